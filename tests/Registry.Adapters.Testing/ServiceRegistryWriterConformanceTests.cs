using Shouldly;
using Xunit;

namespace Registry.Adapters.Testing;

/// <summary>
/// The contract every <see cref="IServiceRegistryWriter"/> passes (the writer contract of the backend kit), run
/// once per writable backend: write, read back through the same backend's <see cref="IServiceRegistry"/>, overwrite,
/// remove, list owned, restart, and never touch a record the sync does not own.
/// </summary>
public abstract class ServiceRegistryWriterConformanceTests : IAsyncLifetime
{
    /// <summary>The sync id the tests write with.</summary>
    protected const string SyncId = "conformance";

    /// <summary>The origin registry the tests mark instances with.</summary>
    protected const string Origin = "source";

    /// <summary>Creates a fresh, empty backend for one test.</summary>
    public abstract Task InitializeAsync();

    /// <summary>Tears the backend down.</summary>
    public abstract Task DisposeAsync();

    /// <summary>Creates a registry over the backend that implements <see cref="IServiceRegistryWriter"/> (each call a new client, as a restarted process would have).</summary>
    protected abstract Task<IServiceRegistry> CreateRegistryAsync();

    /// <summary>Adds a record no sync wrote, from outside the writer (a native registration).</summary>
    protected abstract Task PutForeignAsync(ServiceInstance instance);

    /// <summary>An instance the backend can hold. Override to fit the backend's naming rules (keep host and port distinct per index).</summary>
    protected virtual ServiceInstance CreateInstance(string service, int index) => new()
    {
        Service = service,
        Id = $"{service}-{index}",
        Host = $"10.1.{index / 250}.{(index % 250) + 1}",
        Ports = [new ServicePort("http", 8000 + index, "http")],
        Health = HealthStatus.Healthy,
        Metadata = new Dictionary<string, string> { ["version"] = "1" },
    };

    /// <summary>The same instance with a visible change (a new port number).</summary>
    protected virtual ServiceInstance Modify(ServiceInstance instance) => instance with
    {
        Ports = [new ServicePort("http", instance.Ports[0].Port + 1000, "http")],
    };

    /// <summary>The name the backend's reader gives a service the writer wrote (Kubernetes: <c>{service}.{namespace}</c>).</summary>
    protected virtual string ReadName(string service) => service;

    /// <summary>
    /// Whether a service one sync id wrote cannot hold another sync id's records too (a Kubernetes Service has one owner):
    /// the second sync's instances are then rejected, and the first sync's records stay all the same.
    /// </summary>
    protected virtual bool OneSyncIdPerService => false;

    /// <summary>The identity the tests compare read-back records on.</summary>
    protected static string Key(ServiceInstance instance) => $"{instance.Host}:{(instance.Ports.Count > 0 ? instance.Ports[0].Port : 0)}";

    /// <summary>The writer of a registry.</summary>
    protected static IServiceRegistryWriter Writer(IServiceRegistry registry) =>
        registry.ShouldBeAssignableTo<IServiceRegistryWriter>().ShouldNotBeNull();

    /// <summary>A batch of one or more services, each instance marked with <paramref name="syncId"/>.</summary>
    protected static WriteBatch Batch(string syncId, params (string Service, ServiceInstance[] Instances)[] services) => new()
    {
        SyncId = syncId,
        Services = services.ToDictionary(
            s => s.Service,
            s => (IReadOnlyList<ServiceInstance>)[.. s.Instances.Select(i => SyncMetadata.Mark(i, syncId, Origin))],
            StringComparer.Ordinal),
    };

    /// <summary>Reads the registry until <paramref name="condition"/> holds for a service's instances (<see cref="Poll"/>), or fails naming what it last read.</summary>
    protected async Task<IReadOnlyList<ServiceInstance>> ReadBackAsync(IServiceRegistry registry, string service, Func<IReadOnlyList<ServiceInstance>, bool> condition, string because)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(condition);
        IReadOnlyList<ServiceInstance> instances = [];
        try
        {
            await Poll.UntilAsync(
                async () =>
                {
                    var snapshot = await registry.ReadAsync();
                    instances = snapshot.Services.FirstOrDefault(p => string.Equals(p.Key, ReadName(service), StringComparison.OrdinalIgnoreCase)).Value ?? [];
                    return condition(instances);
                },
                $"{registry.Name}: {because}");
        }
        catch (ShouldAssertException ex)
        {
            throw new ShouldAssertException($"{ex.Message}; read back {instances.Count} instance(s): {string.Join(", ", instances.Select(Key))}", ex);
        }

        return instances;
    }

    private static bool HasKeys(IReadOnlyList<ServiceInstance> instances, params ServiceInstance[] expected) =>
        instances.Select(Key).Order().SequenceEqual(expected.Select(Key).Order());

    [Fact]
    public async Task ApplyAsync_NewInstances_ReadBackWithOwnershipMarkers()
    {
        ServiceInstance[] orders = [CreateInstance("orders", 1), CreateInstance("orders", 2)];
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        writer.Name.ShouldBe(registry.Name);
        writer.Kind.ShouldBe(registry.Kind);
        (await writer.ListOwnedAsync(SyncId)).InstanceCount.ShouldBe(0);

        var result = await writer.ApplyAsync(Batch(SyncId, ("orders", orders)));

        result.Created.ShouldBe(2);
        result.Updated.ShouldBe(0);
        result.Deleted.ShouldBe(0);
        result.Rejected.ShouldBeEmpty();
        result.Requests.ShouldBeGreaterThan(0);
        var read = await ReadBackAsync(registry, "orders", i => HasKeys(i, orders), "both written instances are readable");
        read.ShouldAllBe(i => SyncMetadata.GetSyncId(i) == SyncId && SyncMetadata.GetOrigin(i) == Origin);
    }

    [Fact]
    public async Task ListOwnedAsync_AfterApply_EqualsNormalizedDesired()
    {
        ServiceInstance[] orders = [CreateInstance("orders", 1), CreateInstance("orders", 2)];
        var billing = CreateInstance("billing", 3);
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        var batch = Batch(SyncId, ("orders", orders), ("billing", [billing]));
        await writer.ApplyAsync(batch);

        await using var restarted = await CreateRegistryAsync();
        var owned = await Writer(restarted).ListOwnedAsync(SyncId);

        owned.Services.Keys.Order().ShouldBe(["billing", "orders"]);
        owned.Drifted.ShouldBeEmpty("what the sync wrote and nobody edited is no drift");
        foreach (var (service, desired) in batch.Services)
        {
            var expected = desired.Select(d => writer.TryNormalize(d, out var stored, out var reason) ? stored : throw new ShouldAssertException(reason)).OrderBy(i => i.Id, StringComparer.Ordinal);
            owned.Services[service].OrderBy(i => i.Id, StringComparer.Ordinal).ShouldBe(expected, $"owned {service} equals the normalized desired set");
        }
    }

    [Fact]
    public async Task ApplyAsync_SameContentAgain_WritesNothing()
    {
        ServiceInstance[] orders = [CreateInstance("orders", 1), CreateInstance("orders", 2)];
        await using var registry = await CreateRegistryAsync();
        await Writer(registry).ApplyAsync(Batch(SyncId, ("orders", orders)));

        var again = await Writer(registry).ApplyAsync(Batch(SyncId, ("orders", orders)));

        again.Writes.ShouldBe(0);
        again.Requests.ShouldBe(0, "identical content is zero requests");
    }

    [Fact]
    public async Task ApplyAsync_AfterRestartAndListOwned_WritesNothing()
    {
        ServiceInstance[] orders = [CreateInstance("orders", 1), CreateInstance("orders", 2)];
        await using (var first = await CreateRegistryAsync())
        {
            await Writer(first).ApplyAsync(Batch(SyncId, ("orders", orders)));
        }

        await using var restarted = await CreateRegistryAsync();
        var writer = Writer(restarted);
        (await writer.ListOwnedAsync(SyncId)).InstanceCount.ShouldBe(2);
        var result = await writer.ApplyAsync(Batch(SyncId, ("orders", orders)));

        result.Writes.ShouldBe(0, "a restarted sync finds its records and rewrites none");
        await ReadBackAsync(restarted, "orders", i => HasKeys(i, orders), "the records survived the restart");
    }

    [Fact]
    public async Task ApplyAsync_ChangedInstance_UpdatesOnlyThatOne()
    {
        var a = CreateInstance("orders", 1);
        var b = CreateInstance("orders", 2);
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        await writer.ApplyAsync(Batch(SyncId, ("orders", [a, b])));

        var changed = Modify(b);
        var result = await writer.ApplyAsync(Batch(SyncId, ("orders", [a, changed])));

        result.Updated.ShouldBe(1);
        result.Created.ShouldBe(0);
        result.Deleted.ShouldBe(0);
        await ReadBackAsync(registry, "orders", i => HasKeys(i, a, changed), "the changed instance replaced the old one");
    }

    [Fact]
    public async Task ApplyAsync_EmptySet_RemovesOwnedAndKeepsForeign()
    {
        var foreign = CreateInstance("orders", 9);
        await PutForeignAsync(foreign);
        ServiceInstance[] orders = [CreateInstance("orders", 1), CreateInstance("orders", 2)];
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        await writer.ListOwnedAsync(SyncId);
        await writer.ApplyAsync(Batch(SyncId, ("orders", orders)));
        await ReadBackAsync(registry, "orders", i => HasKeys(i, [.. orders, foreign]), "owned and foreign side by side");

        var result = await writer.ApplyAsync(Batch(SyncId, ("orders", [])));

        result.Deleted.ShouldBe(2);
        var left = await ReadBackAsync(registry, "orders", i => HasKeys(i, foreign), "only the foreign record is left");
        SyncMetadata.IsMirrored(left[0]).ShouldBeFalse();
        (await writer.ListOwnedAsync(SyncId)).InstanceCount.ShouldBe(0);
    }

    [Fact]
    public async Task ApplyAsync_AnotherSyncIdsRecords_NeverTouched()
    {
        var theirs = CreateInstance("orders", 1);
        var mine = CreateInstance("orders", 2);
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        await writer.ApplyAsync(Batch("other-sync", ("orders", [theirs])));
        var second = await writer.ApplyAsync(Batch(SyncId, ("orders", [mine])));

        var removed = await writer.ApplyAsync(Batch(SyncId, ("orders", [])));

        second.Rejected.Count.ShouldBe(OneSyncIdPerService ? 1 : 0);
        removed.Deleted.ShouldBe(OneSyncIdPerService ? 0 : 1);
        (await writer.ListOwnedAsync("other-sync")).InstanceCount.ShouldBe(1);
        (await writer.ListOwnedAsync(SyncId)).InstanceCount.ShouldBe(0);
        await ReadBackAsync(registry, "orders", i => HasKeys(i, theirs), "the other sync's record stays");
    }

    [Fact]
    public async Task ApplyAsync_SameIdAsForeignRecord_LeavesForeignUnchanged()
    {
        var foreign = CreateInstance("orders", 1);
        await PutForeignAsync(foreign);
        var clash = Modify(foreign);
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        await writer.ListOwnedAsync(SyncId);

        await writer.ApplyAsync(Batch(SyncId, ("orders", [clash])));
        await writer.ApplyAsync(Batch(SyncId, ("orders", [])));

        var read = await ReadBackAsync(registry, "orders", i => i.Any(x => Key(x) == Key(foreign)), "the foreign record is still there");
        read.Single(x => Key(x) == Key(foreign)).Metadata.ContainsKey(SyncMetadata.SyncIdKey).ShouldBeFalse("the foreign record was not taken over");
    }

    [Fact]
    public async Task ApplyAsync_InvalidInstances_RejectedAndTheRestWritten()
    {
        var good = CreateInstance("orders", 1);
        var hostileId = CreateInstance("orders", 2) with { Id = "../../etc/passwd" };
        var badHost = CreateInstance("orders", 3) with { Host = "evil host\r\nX-Injected: 1" };
        var unmarked = CreateInstance("orders", 4);
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        var batch = Batch(SyncId, ("orders", [good, hostileId, badHost]));
        batch = batch with { Services = new Dictionary<string, IReadOnlyList<ServiceInstance>> { ["orders"] = [.. batch.Services["orders"], unmarked] } };

        var result = await writer.ApplyAsync(batch);

        result.Created.ShouldBe(1);
        result.Rejected.Count.ShouldBe(3);
        result.Rejected.ShouldAllBe(r => !r.Key.Contains('\n') && !r.Reason.Contains('\n'));
        await ReadBackAsync(registry, "orders", i => HasKeys(i, good), "only the valid instance is written");
        writer.TryNormalize(SyncMetadata.Mark(hostileId, SyncId, Origin), out _, out var reason).ShouldBeFalse();
        reason.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task TryNormalize_StoredForm_CannotBeChangedThroughItsCollections()
    {
        await using var registry = await CreateRegistryAsync();
        var instance = CreateInstance("orders", 1) with { Tags = ["v1"] };

        Writer(registry).TryNormalize(SyncMetadata.Mark(instance, SyncId, Origin), out var stored, out var reason).ShouldBeTrue(reason);

        // What TryNormalize returns may be taken as its own stored form by ApplyAsync: no cast may change it.
        stored.Metadata.ShouldNotBeAssignableTo<Dictionary<string, string>>();
        var metadata = stored.Metadata.ShouldBeAssignableTo<IDictionary<string, string>>().ShouldNotBeNull();
        Should.Throw<NotSupportedException>(() => metadata[SyncMetadata.SyncIdKey] = "hostile");
        stored.Ports.ShouldNotBeAssignableTo<ServicePort[]>();
        stored.Ports.ShouldNotBeAssignableTo<List<ServicePort>>();
        Should.Throw<NotSupportedException>(() => ((IList<ServicePort>)stored.Ports)[0] = new ServicePort("http", 1, "http"));
        stored.Tags.ShouldNotBeAssignableTo<List<string>>();
        if (stored.Tags.Count > 0)
        {
            stored.Tags.ShouldNotBeAssignableTo<string[]>();
            Should.Throw<NotSupportedException>(() => ((IList<string>)stored.Tags)[0] = "hostile");
        }
    }

    [Fact]
    public async Task ApplyAsync_ChangedCopyOfANormalizedInstance_WrittenAsItsOwnNormalizedForm()
    {
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        writer.TryNormalize(SyncMetadata.Mark(CreateInstance("orders", 1), SyncId, Origin), out var stored, out var reason).ShouldBeTrue(reason);
        var changed = Modify(stored);
        writer.TryNormalize(changed, out var expected, out reason).ShouldBeTrue(reason);

        var result = await writer.ApplyAsync(new WriteBatch { SyncId = SyncId, Services = new Dictionary<string, IReadOnlyList<ServiceInstance>>(StringComparer.Ordinal) { ["orders"] = [changed] } });

        result.Created.ShouldBe(1);
        (await writer.ListOwnedAsync(SyncId)).Services["orders"].ShouldHaveSingleItem().ShouldBe(expected);
    }

    [Fact]
    public async Task ApplyAsync_ServicesNotInBatch_Untouched()
    {
        var orders = CreateInstance("orders", 1);
        var billing = CreateInstance("billing", 2);
        await using var registry = await CreateRegistryAsync();
        var writer = Writer(registry);
        await writer.ApplyAsync(Batch(SyncId, ("orders", [orders]), ("billing", [billing])));

        var result = await writer.ApplyAsync(Batch(SyncId, ("orders", [Modify(orders)])));

        result.Writes.ShouldBe(1);
        await ReadBackAsync(registry, "billing", i => HasKeys(i, billing), "billing is not in the batch and stays");
        (await writer.ListOwnedAsync(SyncId)).InstanceCount.ShouldBe(2);
    }
}
