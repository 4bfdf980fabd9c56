using Shouldly;
using Xunit;
using static Registry.Adapters.Tests.Catalog.CatalogTestKit;

namespace Registry.Adapters.Tests.Catalog;

/// <summary>A skipped record is counted once: a snapshot carries the registry's full set, events add to it.</summary>
public sealed class MeshCatalogSkippedTests
{
    private static readonly SkippedRecord BadA = new("orders/a", "bad host");
    private static readonly SkippedRecord BadB = new("orders/b", "bad port");

    [Fact]
    public void Apply_SnapshotThenResyncWithSameSkipped_CountsEachOnce()
    {
        var (catalog, _) = Create();
        using var owned = catalog;
        catalog.AddRegistry("etcd", "etcd", 0);

        catalog.Apply("etcd", WithSkipped(isResync: false));
        catalog.Apply("etcd", WithSkipped(isResync: true));

        catalog.Status("etcd").Skipped.ShouldBe([BadA, BadB], ignoreOrder: true);
    }

    [Fact]
    public void Apply_SkippedEventAfterSnapshot_AddsOnce()
    {
        var (catalog, _) = Create();
        using var owned = catalog;
        catalog.AddRegistry("etcd", "etcd", 0);

        catalog.Apply("etcd", WithSkipped(isResync: false));
        catalog.Apply("etcd", new RecordSkippedEvent(new SkippedRecord("orders/c", "bad id")));

        catalog.Status("etcd").Skipped.Length.ShouldBe(3);
    }

    private static RegistrySnapshotEvent WithSkipped(bool isResync) => new(
        new RegistrySnapshot
        {
            Services = new Dictionary<string, IReadOnlyList<ServiceInstance>> { ["orders"] = [Instance("orders", "ok")] },
            Skipped = [BadA, BadB],
        },
        isResync);
}
