using Registry.Adapters.Serialization;
using Registry.Adapters.Sync;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Sync;

public class WriterChecksTests
{
    private const string SyncId = "mesh-sync";

    private static ServiceInstance Marked(string id) => SyncMetadata.Mark(
        new ServiceInstance
        {
            Service = "orders",
            Id = id,
            Host = "10.0.0.1",
            Ports = [new ServicePort("http", 8080, "http")],
            Tags = ["v1"],
            Metadata = new Dictionary<string, string> { ["version"] = "1" },
        },
        SyncId,
        "consul");

    /// <summary>A writer's normalization that counts its calls and remembers what it returns, as the real writers do.</summary>
    private sealed class CountingNormalizer
    {
        public NormalizedInstances Normalized { get; } = new();

        public int Calls { get; set; }

        public (ServiceInstance?, string?) Normalize(ServiceInstance instance)
        {
            Calls++;
            return (Normalized.Remember(instance with { Host = instance.Host.ToLowerInvariant() }), null);
        }

        public List<ServiceInstance> Accept(IReadOnlyList<ServiceInstance> desired, List<SkippedRecord> rejected, string service = "orders", string syncId = SyncId) =>
            WriterChecks.Accept(service, desired, syncId, Normalized, Normalize, static _ => null, rejected);
    }

    [Fact]
    public void Accept_InstancesTheWriterNormalized_AcceptedAsTheyAreWithoutNormalizingAgain()
    {
        var writer = new CountingNormalizer();
        var stored = new[] { writer.Normalize(Marked("o-1")).Item1!, writer.Normalize(Marked("o-2")).Item1! };
        var rejected = new List<SkippedRecord>();

        var accepted = writer.Accept(stored, rejected);

        writer.Calls.ShouldBe(2, "only the two TryNormalize calls of the planner");
        rejected.ShouldBeEmpty();
        accepted.Count.ShouldBe(2);
        accepted[0].ShouldBeSameAs(stored[0]);
        accepted[1].ShouldBeSameAs(stored[1]);
    }

    [Fact]
    public void Accept_EqualCopiesAndCallerBuiltInstances_NormalizedAgain()
    {
        var writer = new CountingNormalizer();
        var stored = writer.Normalize(Marked("o-1")).Item1!;
        var equalCopy = stored with { };
        var callerBuilt = new ServiceInstance { Service = stored.Service, Id = "o-2", Host = "10.0.0.2", Metadata = stored.Metadata };
        equalCopy.ShouldBe(stored);
        writer.Calls = 0;

        var accepted = writer.Accept([equalCopy, callerBuilt], []);

        writer.Calls.ShouldBe(2, "the equal copy and the caller's instance are other objects: both normalized");
        accepted.Count.ShouldBe(2);
        accepted[0].ShouldNotBeSameAs(equalCopy);
        accepted[0].ShouldNotBeSameAs(stored);
    }

    [Fact]
    public void Accept_AnotherWritersNormalizedInstance_NormalizedAgain()
    {
        var other = new CountingNormalizer();
        var writer = new CountingNormalizer();
        var stored = other.Normalize(Marked("o-1")).Item1!;

        writer.Accept([stored], []).ShouldHaveSingleItem();

        writer.Calls.ShouldBe(1, "another writer's proof is not this writer's");
    }

    [Fact]
    public void Accept_HostileDerivativeOfANormalizedInstance_ValidatedAndRejected()
    {
        var writer = new CountingNormalizer();
        var stored = writer.Normalize(Marked("o-1")).Item1!;
        var rejected = new List<SkippedRecord>();

        var accepted = writer.Accept([stored with { Host = "../../etc" }, stored with { Id = "a/../b" }], rejected);

        accepted.ShouldBeEmpty();
        rejected.Count.ShouldBe(2);
        rejected[0].Reason.ShouldContain("host");
        rejected[1].Reason.ShouldContain("instance id");
    }

    [Fact]
    public void Accept_NormalizedInstanceUnderAnotherServiceOrSyncIdOrTwice_StillRejected()
    {
        var writer = new CountingNormalizer();
        var stored = writer.Normalize(Marked("o-1")).Item1!;

        var rejected = new List<SkippedRecord>();
        writer.Accept([stored], rejected, service: "billing").ShouldBeEmpty();
        rejected.ShouldHaveSingleItem().Reason.ShouldContain("listed under");

        rejected.Clear();
        writer.Accept([stored], rejected, syncId: "other-sync").ShouldBeEmpty();
        rejected.ShouldHaveSingleItem().Reason.ShouldContain("other-sync");

        rejected.Clear();
        writer.Accept([stored, stored], rejected).ShouldHaveSingleItem();
        rejected.ShouldHaveSingleItem().Reason.ShouldContain("twice");
    }

    [Fact]
    public void Remember_MutableCollections_HandedOutAsReadOnlyCopiesTheCallerCannotChange()
    {
        var normalized = new NormalizedInstances();
        var metadata = new Dictionary<string, string> { ["version"] = "1" };
        var ports = new[] { new ServicePort("http", 8080, "http") };
        var tags = new List<string> { "v1" };
        var built = new ServiceInstance { Service = "orders", Id = "o-1", Host = "10.0.0.1", Ports = ports, Tags = tags, Metadata = metadata };

        var stored = normalized.Remember(built);
        metadata["version"] = "2";
        ports[0] = new ServicePort("http", 1, "http");
        tags[0] = "hostile";

        stored.ShouldNotBeSameAs(built, "the caller still holds the collections it built: copied");
        normalized.Contains(built).ShouldBeFalse();
        normalized.Contains(stored).ShouldBeTrue();
        stored.Metadata["version"].ShouldBe("1");
        stored.Ports[0].Port.ShouldBe(8080);
        stored.Tags[0].ShouldBe("v1");
        ShouldBeUnchangeable(stored);
    }

    [Fact]
    public void Remember_CollectionsAlreadyReadOnly_KeepsTheInstance()
    {
        InstanceJson.TryDeserialize("""{"host":"10.0.0.1","ports":[{"name":"http","port":8080}],"tags":["v1"],"metadata":{"version":"1"}}"""u8, "orders", "o-1", out var decoded, out var error).ShouldBeTrue(error);
        var normalized = new NormalizedInstances();

        normalized.Remember(decoded).ShouldBeSameAs(decoded, "a decoded instance's collections are read-only and nobody else's");
        ShouldBeUnchangeable(decoded);
    }

    [Fact]
    public void Remember_InstancesNobodyReferences_LeaveTheTable()
    {
        var normalized = new NormalizedInstances();
        var weak = RememberOne(normalized);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        weak.TryGetTarget(out _).ShouldBeFalse("the table holds its keys weakly");
    }

    private static WeakReference<ServiceInstance> RememberOne(NormalizedInstances normalized) => new(normalized.Remember(Marked("o-1")));

    /// <summary>Every collection of a normalized instance refuses changes, whatever interface a caller casts it to.</summary>
    private static void ShouldBeUnchangeable(ServiceInstance stored)
    {
        stored.Metadata.ShouldNotBeAssignableTo<Dictionary<string, string>>();
        var metadata = stored.Metadata.ShouldBeAssignableTo<IDictionary<string, string>>()!;
        Should.Throw<NotSupportedException>(() => metadata["version"] = "hostile");
        Should.Throw<NotSupportedException>(() => metadata.Add("hostile", "1"));
        stored.Ports.ShouldNotBeAssignableTo<ServicePort[]>();
        stored.Ports.ShouldNotBeAssignableTo<List<ServicePort>>();
        Should.Throw<NotSupportedException>(() => ((IList<ServicePort>)stored.Ports)[0] = new ServicePort("http", 1, "http"));
        stored.Tags.ShouldNotBeAssignableTo<string[]>();
        stored.Tags.ShouldNotBeAssignableTo<List<string>>();
        Should.Throw<NotSupportedException>(() => ((IList<string>)stored.Tags)[0] = "hostile");
        Should.Throw<NotSupportedException>(() => ((IList<string>)stored.Tags).Add("hostile"));
    }
}
