using Registry.Adapters.Sync;
using Registry.Adapters.Tests.Catalog;
using Registry.Adapters.Tests.Registries;
using Shouldly;
using Xunit;
using static Registry.Adapters.Tests.Catalog.CatalogTestKit;

namespace Registry.Adapters.Tests.Sync;

public sealed class MeshSyncEngineTests : IDisposable
{
    private readonly CatalogFile _file = new();

    public void Dispose() => _file.Dispose();

    private static ServiceInstance[] Many(string service, int count, int offset = 0) =>
        [.. Enumerable.Range(offset, count).Select(i => Instance(service, $"{service}-{i}", $"10.0.{i / 200}.{(i % 200) + 1}", 8000 + i))];

    private RecordingWriter Target() => new(new FileRegistry("target", new FileRegistryOptions { Path = _file.Path, UseFileSystemWatcher = false }));

    private static MeshSyncEngine Engine(MeshCatalog catalog, IServiceRegistryWriter target, Action<SyncOptions>? configure = null)
    {
        var options = new SyncOptions();
        options.To.Add(target.Name);
        configure?.Invoke(options);
        return new MeshSyncEngine(catalog, [target], options);
    }

    private async Task<IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>>> OwnedAsync() =>
        (await Target().ListOwnedAsync(SyncMetadata.DefaultSyncId)).Services;

    [Fact]
    public async Task RunOnceAsync_IdenticalSecondPass_WritesNothing()
    {
        var (catalog, _) = CreateWith(null, ("eureka", Many("orders", 3)), ("consul", Many("billing", 2, 10)));
        var target = Target();
        using var engine = Engine(catalog, target);

        var first = await engine.RunOnceAsync();
        var second = await engine.RunOnceAsync();

        first.Writes.ShouldBe(5);
        second.Writes.ShouldBe(0);
        second.Requests.ShouldBe(0);
        target.Calls.Count.ShouldBe(1, "the second pass sends nothing");
        var owned = await OwnedAsync();
        owned["orders"].Select(SyncMetadata.GetOrigin).ShouldAllBe(o => o == "eureka");
        owned["billing"].Count.ShouldBe(2);
    }

    [Fact]
    public async Task RunOnceAsync_DriftedService_IsWrittenAgainWholeOnceAndOthersAreNotTouched()
    {
        var (catalog, _) = CreateWith(null, ("eureka", Many("orders", 3)), ("consul", Many("billing", 2, 10)));
        using (var first = Engine(catalog, Target()))
        {
            (await first.RunOnceAsync()).Writes.ShouldBe(5);
        }

        // A restart lists the target again; the writer says the stored object of orders was edited behind the sync.
        var target = Target();
        target.ReportDrifted = new HashSet<string>(["orders"]);
        using var engine = Engine(catalog, target);

        var repaired = await engine.RunOnceAsync();
        var after = await engine.RunOnceAsync();

        var plan = repaired.Targets.ShouldHaveSingleItem();
        plan.Updates.Select(u => u.Service).ShouldBe(["orders", "orders", "orders"], "every instance of the drifted service is written again");
        plan.Creates.ShouldBeEmpty();
        plan.Deletes.ShouldBeEmpty();
        target.Batches.ShouldHaveSingleItem().ShouldBe(["orders"], "billing did not drift and is not sent");
        after.Targets.ShouldHaveSingleItem().Updates.ShouldBeEmpty("the repaired service is no longer drifted until the next listing says so");
        target.Batches.Count.ShouldBe(1);
    }

    [Fact]
    public async Task RunOnceAsync_Traced_OneWriteSpanPerBatchWithCounts()
    {
        using var spans = new Registry.Adapters.Testing.ActivityRecorder(MeshTelemetry.SourceName);
        var (catalog, _) = CreateWith(null, ("eureka", Many("orders", 3)), ("consul", Many("billing", 2, 10)));
        using var engine = Engine(catalog, Target());

        await engine.RunOnceAsync();

        var write = spans.Of("target").Where(a => a.OperationName == "registry.write").ShouldHaveSingleItem();
        write.Source.Name.ShouldBe("Registry.Adapters");
        write.GetTagItem("registry.kind").ShouldBe("file");
        write.GetTagItem("registry.write.services").ShouldBe(2L);
        write.GetTagItem("registry.write.created").ShouldBe(5L);
        write.Status.ShouldBe(System.Diagnostics.ActivityStatusCode.Unset);
    }

    [Fact]
    public async Task RunOnceAsync_AfterRestart_ZeroWritesAndZeroDeletes()
    {
        var (catalog, _) = CreateWith(null, ("eureka", Many("orders", 4)));
        using (var engine = Engine(catalog, Target()))
        {
            await engine.RunOnceAsync();
        }

        var restarted = Target();
        using var again = Engine(catalog, restarted);
        var result = await again.RunOnceAsync();

        result.Writes.ShouldBe(0);
        result.Targets[0].Deletes.ShouldBeEmpty();
        restarted.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task RunOnceAsync_SourceWithoutFirstSnapshot_DeletesNothing()
    {
        var (catalog, _) = CreateWith(null, ("eureka", Many("orders", 3)), ("consul", Many("billing", 3, 10)));
        using (var engine = Engine(catalog, Target()))
        {
            await engine.RunOnceAsync();
        }

        // A restart where consul has not answered yet: its records must not be reaped from a partial view.
        var (restartedCatalog, _) = Create();
        restartedCatalog.AddRegistry("eureka", "memory", 0);
        restartedCatalog.AddRegistry("consul", "memory", 1);
        restartedCatalog.Apply("eureka", Snapshot(Many("orders", 3)));
        var target = Target();
        using var restarted = Engine(restartedCatalog, target);

        var result = await restarted.RunOnceAsync();

        result.Targets[0].Deletes.ShouldBeEmpty();
        result.Targets[0].HeldDeletes.ShouldBe(3);
        result.Targets[0].HeldReason.ShouldNotBeNull().ShouldContain("consul");
        (await OwnedAsync())["billing"].Count.ShouldBe(3);
        restarted.HeldDeletes["target"].ShouldBe(3);
    }

    [Fact]
    public async Task RunOnceAsync_FailingSource_KeepsItsMirroredRecordsAndRecoveryConverges()
    {
        var (catalog, _) = CreateWith(null, ("eureka", Many("orders", 3)));
        var target = Target();
        using var engine = Engine(catalog, target);
        await engine.RunOnceAsync();

        catalog.ReportFailure("eureka", "connection refused");
        var down = await engine.RunOnceAsync();

        down.Writes.ShouldBe(0);
        (await OwnedAsync())["orders"].Count.ShouldBe(3);

        catalog.Apply("eureka", Snapshot(true, Many("orders", 2)));
        var recovered = await engine.RunOnceAsync();

        recovered.Targets[0].Deletes.Count.ShouldBe(1);
        (await OwnedAsync())["orders"].Count.ShouldBe(2);
    }

    [Fact]
    public async Task RunOnceAsync_NinetyPercentDelete_HeldUntilConfirmed()
    {
        var (catalog, _) = CreateWith(null, ("eureka", Many("orders", 10)));
        using var engine = Engine(catalog, Target());
        await engine.RunOnceAsync();
        catalog.Apply("eureka", Snapshot(true, Many("orders", 1)));

        var held = await engine.RunOnceAsync();

        held.Targets[0].Deletes.ShouldBeEmpty();
        held.Targets[0].HeldDeletes.ShouldBe(9);
        held.Writes.ShouldBe(0);
        (await OwnedAsync())["orders"].Count.ShouldBe(10);
        (await engine.RunOnceAsync()).Targets[0].HeldDeletes.ShouldBe(9, "held until confirmed, not released by repetition");

        using var confirmed = Engine(catalog, Target(), o => o.MaxDeleteRatio = 1);
        var applied = await confirmed.RunOnceAsync();

        applied.Targets[0].Deletes.Count.ShouldBe(9);
        (await OwnedAsync())["orders"].Count.ShouldBe(1);
    }

    [Fact]
    public async Task RunOnceAsync_CreatesAndUpdatesGoBeforeDeletes()
    {
        var (catalog, _) = CreateWith(null, ("eureka", [.. Many("orders", 4), .. Many("billing", 4, 20)]));
        var target = Target();
        using var engine = Engine(catalog, target, o => o.MaxDeleteRatio = 1);
        await engine.RunOnceAsync();
        target.Calls.Clear();
        catalog.Apply("eureka", Snapshot(true, [.. Many("orders", 2, 2), .. Many("orders", 2, 50), .. Many("billing", 3, 21), .. Many("shipping", 1, 90)]));

        var result = await engine.RunOnceAsync();

        result.Targets[0].Creates.Count.ShouldBe(3);
        result.Targets[0].Deletes.Count.ShouldBe(3);
        var firstDelete = target.Calls.FindIndex(c => c.Deleted > 0);
        var lastCreate = target.Calls.FindLastIndex(c => c.Created + c.Updated > 0);
        firstDelete.ShouldBeGreaterThan(lastCreate, "every create and update is written before the first delete");
        target.Calls.ShouldAllBe(c => c.Deleted == 0 || c.Created + c.Updated == 0);
    }

    [Fact]
    public async Task RunOnceAsync_MirroredOrOriginRecords_AreNeverWrittenBack()
    {
        var (catalog, _) = Create();
        catalog.AddRegistry("target", "file", 0);
        catalog.AddRegistry("peer", "memory", 1, includeMirrored: true);
        catalog.AddRegistry("plain", "memory", 2);
        var native = Instance("orders", "o-1", "10.0.0.1", 8080);
        var ours = SyncMetadata.Mark(Instance("orders", "o-2", "10.0.0.2", 8080), SyncMetadata.DefaultSyncId, "x");
        var fromTarget = SyncMetadata.Mark(Instance("orders", "o-3", "10.0.0.3", 8080), "other-sync", "target");
        var otherSync = SyncMetadata.Mark(Instance("orders", "o-4", "10.0.0.4", 8080), "other-sync", "elsewhere");
        var hidden = SyncMetadata.Mark(Instance("orders", "o-5", "10.0.0.5", 8080), "other-sync", "elsewhere");
        catalog.Apply("target", Snapshot(Instance("orders", "t-1", "10.0.1.1", 8080)));
        catalog.Apply("peer", Snapshot(native, ours, fromTarget, otherSync));
        catalog.Apply("plain", Snapshot(hidden));
        using var engine = Engine(catalog, Target());

        await engine.RunOnceAsync();

        (await OwnedAsync())["orders"].Select(i => i.Id).Order().ShouldBe(["o-1", "o-4"]);
    }

    [Fact]
    public async Task RunOnceAsync_HostileTargetName_RejectedAndNothingWritten()
    {
        var (catalog, _) = CreateWith(null, ("eureka", Many("orders", 2)));
        var target = Target();
        using var engine = Engine(catalog, target, o => o.NameTemplate = "../{service}");

        var result = await engine.RunOnceAsync();

        result.Targets[0].Rejected.ShouldNotBeEmpty();
        result.Writes.ShouldBe(0);
        File.Exists(_file.Path).ShouldBeFalse();
    }

    [Fact]
    public async Task RunOnceAsync_DryRun_PlansWithoutWriting()
    {
        var (catalog, _) = CreateWith(null, ("eureka", Many("orders", 2)));
        var target = Target();
        using var engine = Engine(catalog, target, o => o.DryRun = true);

        var result = await engine.RunOnceAsync();

        result.Targets[0].Creates.Count.ShouldBe(2);
        target.Calls.ShouldBeEmpty();
        File.Exists(_file.Path).ShouldBeFalse();
    }

    [Fact]
    public async Task RunOnceAsync_Purge_RemovesOnlyWhatTheSyncOwns()
    {
        _file.Put(Instance("orders", "native", "10.9.9.9", 80));
        _file.WriteByRename();
        var (catalog, _) = CreateWith(null, ("eureka", Many("orders", 3)));
        using (var engine = Engine(catalog, Target()))
        {
            await engine.RunOnceAsync();
        }

        using var purge = Engine(catalog, Target(), o => o.Purge = true);
        var result = await purge.RunOnceAsync();

        result.Targets[0].Deletes.Count.ShouldBe(3);
        (await OwnedAsync()).ShouldBeEmpty();
        (await Target().Inner.ReadAsync()).Services["orders"].Single().Id.ShouldBe("native");
    }

    [Fact]
    public async Task RunOnceAsync_BidirectionalSync_ConvergesWithBoundedWrites()
    {
        using var fileB = new CatalogFile();
        await using var a = new FileRegistry("a", new FileRegistryOptions { Path = _file.Path, UseFileSystemWatcher = false });
        await using var b = new FileRegistry("b", new FileRegistryOptions { Path = fileB.Path, UseFileSystemWatcher = false });
        foreach (var i in Many("orders", 3))
        {
            _file.Put(i);
        }

        _file.WriteByRename();
        foreach (var i in Many("billing", 2, 30))
        {
            fileB.Put(i);
        }

        fileB.WriteByRename();
        var (catalog, _) = Create();
        catalog.AddRegistry("a", "file", 0);
        catalog.AddRegistry("b", "file", 1);
        var toB = new SyncOptions { SyncId = "a-to-b" };
        toB.To.Add("b");
        var toA = new SyncOptions { SyncId = "b-to-a" };
        toA.To.Add("a");
        using var engineB = new MeshSyncEngine(catalog, [b], toB);
        using var engineA = new MeshSyncEngine(catalog, [a], toA);
        var writes = new List<int>();
        for (var round = 0; round < 4; round++)
        {
            catalog.Apply("a", new RegistrySnapshotEvent(await a.ReadAsync(), true));
            catalog.Apply("b", new RegistrySnapshotEvent(await b.ReadAsync(), true));
            writes.Add((await engineB.RunOnceAsync()).Writes + (await engineA.RunOnceAsync()).Writes);
        }

        writes.ShouldBe([5, 0, 0, 0]);
        (await a.ReadAsync()).InstanceCount.ShouldBe(5);
        (await b.ReadAsync()).InstanceCount.ShouldBe(5);
    }

    /// <summary>Wraps a writer and records every apply.</summary>
    private sealed class RecordingWriter(FileRegistry inner) : IServiceRegistryWriter
    {
        public FileRegistry Inner => inner;

        public List<WriteResult> Calls { get; } = [];

        public string Name => inner.Name;

        public string Kind => inner.Kind;

        public bool TryNormalize(ServiceInstance desired, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ServiceInstance? stored, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? reason) =>
            inner.TryNormalize(desired, out stored, out reason);

        /// <summary>Services the listing reports as drifted (as a Kubernetes or Istio writer does for a hand-edited object).</summary>
        public IReadOnlySet<string> ReportDrifted { get; set; } = new HashSet<string>();

        /// <summary>The services of every batch applied.</summary>
        public List<string[]> Batches { get; } = [];

        public async Task<OwnedRecords> ListOwnedAsync(string syncId, CancellationToken cancellationToken = default) =>
            (await inner.ListOwnedAsync(syncId, cancellationToken)) with { Drifted = ReportDrifted };

        public async Task<WriteResult> ApplyAsync(WriteBatch batch, CancellationToken cancellationToken = default)
        {
            var result = await inner.ApplyAsync(batch, cancellationToken);
            Calls.Add(result);
            Batches.Add([.. batch.Services.Keys.Order(StringComparer.Ordinal)]);
            return result;
        }
    }
}
