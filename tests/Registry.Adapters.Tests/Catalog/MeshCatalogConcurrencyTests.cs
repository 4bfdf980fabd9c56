using Shouldly;
using Xunit;
using static Registry.Adapters.Tests.Catalog.CatalogTestKit;

namespace Registry.Adapters.Tests.Catalog;

public sealed class MeshCatalogConcurrencyTests
{
    [Fact]
    public async Task Apply_RegistriesConcurrentlyWithReaders_RevisionsMonotonicFinalStateExact()
    {
        const int Registries = 4;
        const int Rounds = 300;
        var (catalog, _) = Create();
        for (var r = 0; r < Registries; r++)
        {
            catalog.AddRegistry($"r{r}", "memory", r);
            catalog.Apply($"r{r}", Snapshot());
        }

        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            var last = -1L;
            var reads = 0;
            do
            {
                var snapshot = catalog.Current;
                snapshot.Revision.ShouldBeGreaterThanOrEqualTo(last);
                last = snapshot.Revision;
                foreach (var instance in catalog.Resolve("shared"))
                {
                    instance.Instance.Service.ShouldBe("shared");
                }

                reads++;
            }
            while (!stop.IsCancellationRequested);

            return reads;
        });

        var writers = Enumerable.Range(0, Registries).Select(r => Task.Run(() =>
        {
            for (var i = 0; i < Rounds; i++)
            {
                catalog.Apply($"r{r}", Change("shared", Instance("shared", $"s{r}", host: $"10.0.{r}.1", port: 1000 + i)));
                catalog.Apply($"r{r}", Change($"own-{r}-{i % 10}", Instance($"own-{r}-{i % 10}", "1", host: $"10.1.{r}.1", port: 2000 + i)));
            }
        })).ToArray();

        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        (await reader.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBeGreaterThan(0);

        var shared = catalog.Resolve("shared");
        shared.Ids().ShouldBe(["r0:s0", "r1:s1", "r2:s2", "r3:s3"]);
        shared.ShouldAllBe(static i => i.Instance.Ports[0].Port == 1000 + Rounds - 1);
        catalog.Current.ServiceCount.ShouldBe(1 + (Registries * 10));
        catalog.Current.Registries.ShouldAllBe(static s => s.State == RegistryState.Ready && s.Instances == 11);
    }
}
