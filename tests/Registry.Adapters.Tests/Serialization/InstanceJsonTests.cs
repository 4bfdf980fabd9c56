using System.Text;
using System.Text.Json;
using Registry.Adapters.Serialization;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Serialization;

/// <summary>The one instance codec: the File registry's reader, the list output and etcd's mesh value agree on every instance.</summary>
public sealed class InstanceJsonTests
{
    public static TheoryData<string, string?> Instances => new()
    {
        { """{"id":"o-1","host":"10.0.0.5","ports":[{"name":"http","port":8080,"protocol":"http"}],"health":"draining","zone":"z","tags":["v1"],"metadata":{"k":"v"}}""", null },
        { """{"id":"o-1","host":"10.0.0.5","health":"HEALTHY"}""", null },
        { """{"id":"o-1","host":"h", /* a comment */ "tags":["a",],}""", null },
        { """{"id":"o-1"}""", "has no 'host'" },
        { """{"id":"o-1","host":"bad host!"}""", "host" },
        { """{"id":"o-1","host":"h","ports":[{"name":"http","port":"80"}]}""", "not valid JSON" },
        { """{"id":"o-1","host":"h","ports":[{"name":"http","port":70000}]}""", "out of range" },
        { """{"id":"o-1","host":"h","ports":[null]}""", "null port" },
        { """{"id":"o-1","host":"h","health":"1"}""", "unknown health" },
        { """{"id":"o-1","host":"h","tags":[null]}""", "null tag" },
        { """{"id":"o-1","host":"h","metadata":{"k":null}}""", "null tag or metadata" },
        { """[1,2]""", "not valid JSON" },
        { """null""", "JSON null" },
    };

    [Theory]
    [MemberData(nameof(Instances))]
    public void FileReaderAndCodec_SameVerdictOnEveryInstance(string json, string? reason)
    {
        var file = Encoding.UTF8.GetBytes($$"""{"services":[{"name":"orders","instances":[{{json}}]}]}""");

        var read = CatalogDocumentReader.Read(file, "catalog.json");
        var decoded = InstanceJson.TryDeserialize(Encoding.UTF8.GetBytes(json), "orders", null, out var instance, out var error);

        read.Error.ShouldBeNull();
        if (reason is null)
        {
            decoded.ShouldBeTrue(error);
            read.Skipped.ShouldBeEmpty();
            read.Services["orders"].ShouldHaveSingleItem().ShouldBe(instance);
        }
        else
        {
            decoded.ShouldBeFalse();
            error.ShouldNotBeNull().ShouldContain(reason);
            read.Skipped.ShouldHaveSingleItem().Reason.ShouldBe(error);
            read.Services.ShouldBeEmpty();
        }
    }

    [Fact]
    public void Serialize_WritesEveryFieldInTheListShape_AndRoundTrips()
    {
        var instance = new ServiceInstance
        {
            Service = "orders",
            Id = "o-1",
            Host = "10.0.0.5",
            Ports = [new ServicePort("http", 8080, "http")],
            Health = HealthStatus.Starting,
            Metadata = new Dictionary<string, string> { ["z"] = "1", ["a"] = "café <ops>" },
        };

        var bytes = InstanceJson.SerializeToUtf8Bytes(instance);
        using var document = JsonDocument.Parse(bytes);

        document.RootElement.EnumerateObject().Select(static p => p.Name)
            .ShouldBe(["service", "id", "host", "ports", "health", "zone", "tags", "metadata"], "the instances[] item of list --output json without registry and stale");
        document.RootElement.GetProperty("metadata").EnumerateObject().Select(static p => p.Name).ShouldBe(["a", "z"]);
        Encoding.UTF8.GetString(bytes).ShouldContain("café <ops>");
        InstanceJson.TryDeserialize(bytes, null, null, out var back, out var error).ShouldBeTrue(error);
        back.ShouldBe(instance);
    }

    [Fact]
    public void From_WithRegistryAndStale_WritesThemAroundTheInstance()
    {
        var instance = new ServiceInstance { Service = "orders", Id = "o-1", Host = "h" };

        var json = JsonSerializer.SerializeToElement(InstanceDocument.From(instance, "consul", stale: true), InstanceJsonContext.Default.InstanceDocument);

        json.EnumerateObject().Select(static p => p.Name).ShouldBe(["registry", "service", "id", "host", "ports", "health", "zone", "tags", "metadata", "stale"]);
    }
}
