using System.Diagnostics.CodeAnalysis;
using Registry.Adapters.Sync;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Sync;

/// <summary><see cref="SyncTargets.Resolve"/>: registry names, offered kinds (<c>istio</c>, <c>istio:NAME</c>), and the sources a hosted target leaves out.</summary>
public sealed class SyncTargetsTests
{
    private static SyncOptions Options(params string[] to)
    {
        var options = new SyncOptions();
        foreach (var name in to)
        {
            options.To.Add(name);
        }

        return options;
    }

    [Fact]
    public void Resolve_OfferedKind_OnlyProviderTargetNamedAfterKindAndHostIsNoSource()
    {
        var cluster = new Cluster("kubernetes");
        IServiceRegistry[] registries = [new InMemoryRegistry("consul"), cluster, new InMemoryRegistry("eureka")];
        var options = Options("ISTIO");

        var writers = SyncTargets.Resolve(registries, options);

        writers.ShouldHaveSingleItem().ShouldBeSameAs(cluster.Istio);
        cluster.Istio!.Name.ShouldBe("istio");
        options.To.ShouldBe(["istio"]);
        options.From.ShouldBe(["consul", "eureka"], "the cluster the ServiceEntries live in is not mirrored into itself");
    }

    [Fact]
    public void Resolve_ExplicitFrom_IsKept()
    {
        var options = Options("istio");
        options.From.Add("kubernetes");

        SyncTargets.Resolve([new InMemoryRegistry("consul"), new Cluster("kubernetes")], options);

        options.From.ShouldBe(["kubernetes"]);
    }

    [Fact]
    public void Resolve_SeveralProviders_NeedsKindColonName()
    {
        IServiceRegistry[] registries = [new Cluster("east"), new Cluster("west")];

        Should.Throw<ArgumentException>(() => SyncTargets.Resolve(registries, Options("istio")))
            .Message.ShouldContain("'istio:east' or 'istio:west'");
        var options = Options("istio:West");
        var writer = SyncTargets.Resolve(registries, options).ShouldHaveSingleItem();
        writer.Name.ShouldBe("istio:west");
        options.From.ShouldBe(["east"]);
    }

    [Theory]
    [InlineData("nowhere", "no registry is named 'nowhere'")]
    [InlineData("istio:nowhere", "no registry named 'nowhere' offers a 'istio' target")]
    [InlineData("consul", "registry 'consul' (kind memory) cannot be a sync target")]
    [InlineData("kubernetes", "it offers 'istio:kubernetes'")]
    public void Resolve_NoSuchTarget_ArgumentExceptionNamesTheChoices(string name, string message)
    {
        IServiceRegistry[] registries = [new InMemoryRegistry("consul"), new Cluster("kubernetes")];

        Should.Throw<ArgumentException>(() => SyncTargets.Resolve(registries, Options(name))).Message.ShouldContain(message);
    }

    [Fact]
    public void Resolve_SameTargetTwice_Refused()
    {
        Should.Throw<ArgumentException>(() => SyncTargets.Resolve([new Cluster("kubernetes")], Options("istio", "istio:kubernetes")))
            .Message.ShouldContain("a second time");
    }

    /// <summary>A registry that offers an <c>istio</c> target and is not a target itself.</summary>
    private sealed class Cluster(string name) : IServiceRegistry, ISyncTargetProvider
    {
        private readonly InMemoryRegistry _inner = new(name);

        public Target? Istio { get; private set; }

        public string Name => name;

        public string Kind => "cluster";

        public IReadOnlyList<string> TargetKinds { get; } = ["istio"];

        public IServiceRegistryWriter? GetTarget(string kind, string target) => kind == "istio" ? Istio ??= new Target(target) : null;

        public Task<RegistrySnapshot> ReadAsync(CancellationToken cancellationToken = default) => _inner.ReadAsync(cancellationToken);

        public IAsyncEnumerable<RegistryEvent> WatchAsync(CancellationToken cancellationToken = default) => _inner.WatchAsync(cancellationToken);

        public ValueTask DisposeAsync() => _inner.DisposeAsync();
    }

    /// <summary>A writer that is only resolved, never written to, in these tests.</summary>
    private sealed class Target(string name) : IServiceRegistryWriter
    {
        public string Name => name;

        public string Kind => "istio";

        public bool TryNormalize(ServiceInstance desired, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason)
        {
            stored = desired;
            reason = null;
            return true;
        }

        public Task<OwnedRecords> ListOwnedAsync(string syncId, CancellationToken cancellationToken = default) => Task.FromResult(OwnedRecords.Empty);

        public Task<WriteResult> ApplyAsync(WriteBatch batch, CancellationToken cancellationToken = default) => Task.FromResult(WriteResult.None);
    }
}
