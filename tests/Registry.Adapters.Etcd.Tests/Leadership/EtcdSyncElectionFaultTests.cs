using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Sync;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>The etcd leader election when things go wrong: a stalled renew, a deposed leader's writes, dead replicas, hostile names.</summary>
public sealed class EtcdSyncElectionFaultTests(EtcdServerFixture fixture) : IClassFixture<EtcdServerFixture>
{
    private static readonly TimeSpan Takeover = TimeSpan.FromSeconds(30);
    private readonly string _name = "f" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _prefix = EtcdServerFixture.UniquePrefix("election-fault");

    private string ElectionPrefix => $"{EtcdSyncElection.ElectionPrefix}{_name}/";

    private EtcdElectionReplica Replica(string identity) =>
        EtcdElectionReplica.Create(fixture.Server.ClientOptions(_prefix), EtcdElectionReplica.Options(_name, identity), _name);

    private static ServiceInstance Mirrored(string id) => SyncMetadata.Mark(
        new ServiceInstance { Service = "orders", Id = id, Host = "10.1.0.1", Ports = [new ServicePort("http", 8080, "http")] },
        "fence-test",
        "consul");

    private static WriteBatch Batch(WriteFence? fence, params string[] ids) => new()
    {
        SyncId = "fence-test",
        Services = new Dictionary<string, IReadOnlyList<ServiceInstance>> { ["orders"] = [.. ids.Select(Mirrored)] },
        Fence = fence,
    };

    [Fact]
    public async Task KeepAlive_RenewStalls_StopsLeadingAtTheRenewDeadlineAndWritesNothing()
    {
        await using var proxy = new TcpProxy(fixture.Server.ClientPort);
        var time = new FakeTimeProvider();
        var options = new EtcdRegistryOptions { Prefix = _prefix };
        options.Endpoints.Add(proxy.Url);

        // A long TTL: etcd keeps the lease for the whole test, so only the renew deadline can depose the leader.
        var election = new SyncElectionOptions
        {
            Kind = "etcd",
            Name = _name,
            Identity = "stalled",
            LeaseDuration = TimeSpan.FromSeconds(60),
            RenewDeadline = TimeSpan.FromSeconds(3),
            RetryPeriod = TimeSpan.FromSeconds(1),
        };
        await using var replica = EtcdElectionReplica.Create(options, election, _name, time);
        replica.Candidate.Start();
        await replica.Candidate.WaitForLeadershipAsync().WaitAsync(Takeover);
        var session = replica.Election.CurrentSession!;
        var lease = session.Lease;

        // Renewals go through the proxy while it flows (the clock is moved in small steps until two are answered).
        await Poll.UntilAsync(() => Task.FromResult(session.Renewals >= 2), "two keep-alives answered", between: () => time.Advance(TimeSpan.FromMilliseconds(100)));
        var sent = session.Sent;

        proxy.Stall();
        var deadline = election.RenewDeadline - time.GetElapsedTime(session.RenewedAt);
        time.Advance(deadline - TimeSpan.FromMilliseconds(1));
        await Poll.UntilAsync(() => session.Sent > sent && proxy.Held > 0, "the next keep-alive was sent and is held by the stalled connection");
        replica.Candidate.IsLeader.ShouldBeTrue("the renew deadline has not passed yet");

        time.Advance(TimeSpan.FromMilliseconds(1));
        replica.Candidate.IsLeader.ShouldBeFalse("no renewal for the renew deadline");
        replica.Changes.ShouldBe([true, false]);
        session.Renewals.ShouldBe(2, "the stalled keep-alive was never answered");

        // etcd still holds the lease and the key: only the deadline stopped the leader, before the lease could expire.
        using var client = await EtcdTestClient.ConnectAsync(fixture.Server);
        (await client.GetAsync(replica.Candidate.Fence!.Key)).ShouldNotBeNull();
        (await client.GetAsync(replica.Election.ReplicaKey(lease))).ShouldNotBeNull();

        // The sync engine, fed by this leadership, writes nothing into an etcd target it reaches directly.
        var targetOptions = fixture.Server.ClientOptions(_prefix);
        await using var target = EtcdRegistryFactory.CreateRegistry("etcd", targetOptions);
        var consul = new ReplayRegistry("consul");
        await using var mesh = await MeshTestHost.StartAsync(m => m.AddTestRegistry(consul, priority: 0).AddTestRegistry(new ReplayRegistry("etcd", "etcd"), priority: 1));
        await consul.SnapshotAsync(new ServiceInstance { Service = "orders", Id = "o-1", Host = "10.1.0.1", Ports = [new ServicePort("http", 8080, "http")] });
        var catalog = mesh.Catalog;
        var sync = new SyncOptions { SyncId = "fence-test" };
        sync.To.Add("etcd");
        using var engine = new MeshSyncEngine(catalog, [(IServiceRegistryWriter)target], sync, replica.Candidate);
        var pass = await engine.RunOnceAsync();

        pass.Writes.ShouldBe(0);
        (await client.GetPrefixAsync(_prefix)).Kvs.ShouldBeEmpty("no write went through");

        // Once etcd can be reached again, the given-up lease is revoked and the replica campaigns under a new one.
        var stale = replica.Candidate.Fence!;
        proxy.Unstall();
        await Poll.UntilAsync(() => Task.FromResult(replica.Candidate.IsLeader), "the replica leads again under a new lease", Takeover, () => time.Advance(TimeSpan.FromMilliseconds(100)));
        replica.Election.CurrentSession!.Lease.ShouldNotBe(lease);
        replica.Candidate.Fence!.Token.ShouldBeGreaterThan(stale.Token);
        replica.Changes.ShouldBe([true, false, true]);
        (await client.GetAsync(stale.Key)).ShouldBeNull("the old key went with the old lease");
    }

    [Fact]
    public async Task KeepAlive_LeaseRevokedInEtcd_StepsDownAndCampaignsAgainUnderANewLease()
    {
        using var client = await EtcdTestClient.ConnectAsync(fixture.Server);
        await using var replica = Replica("replica-a");
        replica.Candidate.Start();
        await replica.Candidate.WaitForLeadershipAsync().WaitAsync(Takeover);
        var stale = replica.Candidate.Fence!;
        var lease = replica.Election.CurrentSession!.Lease;

        await client.RevokeAsync(lease);

        await Poll.UntilAsync(() => replica.Changes.Count == 3, "stepped down and leads again", Takeover);
        replica.Changes.ShouldBe([true, false, true]);
        replica.Candidate.IsLeader.ShouldBeTrue();
        replica.Election.CurrentSession!.Lease.ShouldNotBe(lease);
        replica.Candidate.Fence!.Token.ShouldBeGreaterThan(stale.Token);
        (await client.GetAsync(replica.Election.ReplicaKey(replica.Election.CurrentSession!.Lease))).ShouldNotBeNull("the new lease is announced");
    }

    [Fact]
    public async Task ApplyAsync_DeposedLeadersFence_ThrowsWriteFenceLostAndWritesNothing()
    {
        using var client = await EtcdTestClient.ConnectAsync(fixture.Server);
        await using var a = Replica("replica-a");
        await using var b = Replica("replica-b");
        var (leader, standby) = await EtcdSyncElectionTests.ElectAsync(a, b, client, ElectionPrefix);
        var stale = leader.Candidate.Fence!;
        await leader.Candidate.StopAsync();
        await standby.Candidate.WaitForLeadershipAsync().WaitAsync(Takeover);

        var deposed = (IServiceRegistryWriter)leader.Registry;
        await Should.ThrowAsync<WriteFenceLostException>(() => deposed.ApplyAsync(Batch(stale, "o-1", "o-2")));
        (await client.GetPrefixAsync(_prefix)).Kvs.ShouldBeEmpty("nothing of the fenced transaction was written");

        // The new leader's fence holds: the same batch goes through.
        var current = (IServiceRegistryWriter)standby.Registry;
        var written = await current.ApplyAsync(Batch(standby.Candidate.Fence, "o-1", "o-2"));
        written.Created.ShouldBe(2);
        (await client.GetPrefixAsync(_prefix)).Kvs.Count.ShouldBe(2);
    }

    [Fact]
    public async Task ListReplicasAsync_LiveReplicas_ListsTheirIdentitiesSortedAndDropsADeadOneAfterTheTtl()
    {
        await using var c = Replica("replica-c");
        await using var a = Replica("replica-a");
        await using var b = Replica("replica-b");
        foreach (var replica in new[] { a, b, c })
        {
            await replica.Election.SessionAsync(CancellationToken.None).WaitAsync(Takeover);
        }

        (await a.Election.ListReplicasAsync()).ShouldBe(["replica-a", "replica-b", "replica-c"]);
        (await c.Election.ListReplicasAsync()).ShouldBe(["replica-a", "replica-b", "replica-c"]);

        await c.Election.AbandonAsync();
        (await a.Election.ListReplicasAsync()).ShouldBe(["replica-a", "replica-b", "replica-c"], "a crashed replica is listed until its lease expires");
        await Poll.UntilAsync(async () => (await a.Election.ListReplicasAsync()).Count == 2, "the dead replica drops out after the TTL", Takeover);
        (await a.Election.ListReplicasAsync()).ShouldBe(["replica-a", "replica-b"]);

        await b.DisposeAsync();
        (await a.Election.ListReplicasAsync()).ShouldBe(["replica-a"], "a disposed replica drops out at once (its lease is revoked)");
    }

    [Fact]
    public async Task ListReplicasAsync_SameIdentityUnderTwoLeases_ListsItOnce()
    {
        await using var a = Replica("replica-a");
        await a.Election.SessionAsync(CancellationToken.None).WaitAsync(Takeover);

        // A lease given up at the renew deadline runs out beside the new one: for a while both keys carry the identity.
        using var client = await EtcdTestClient.ConnectAsync(fixture.Server);
        var lease = await client.GrantAsync(30);
        await client.PutAsync(a.Election.ReplicaKey(lease), "replica-a", lease);

        (await a.Election.ListReplicasAsync()).ShouldBe(["replica-a"]);
    }

    [Fact]
    public async Task ListReplicasAsync_BeforeTheFirstLease_ListsItself()
    {
        await using var a = Replica("replica-a");

        (await a.Election.ListReplicasAsync()).ShouldBe(["replica-a"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("Upper")]
    [InlineData("-dash")]
    [InlineData("new\nline")]
    [InlineData("%2e%2e")]
    public async Task GetCandidate_HostileName_ThrowsNamingTheRule(string name)
    {
        await using var a = Replica("replica-a");

        var error = Should.Throw<ArgumentException>(() => a.Election.GetCandidate(name));

        error.Message.ShouldContain("election name");
        error.Message.ShouldContain("DNS label");
        error.Message.ShouldNotContain("\n'", Case.Sensitive, "the name is shown printable");
    }

    [Fact]
    public async Task GetCandidate_TooLongName_Throws()
    {
        await using var a = Replica("replica-a");

        Should.Throw<ArgumentException>(() => a.Election.GetCandidate(new string('a', SyncMetadata.MaxSyncIdLength + 1))).Message.ShouldContain("election name");
        a.Election.GetCandidate(new string('a', SyncMetadata.MaxSyncIdLength)).Election.ShouldBe(new string('a', SyncMetadata.MaxSyncIdLength));
    }

    [Fact]
    public async Task CreateElection_InvalidTimings_ThrowsNamingTheSetting()
    {
        await using var registry = EtcdRegistryFactory.CreateRegistry("etcd", fixture.Server.ClientOptions(_prefix));
        var options = EtcdElectionReplica.Options(_name, "x");
        options.RenewDeadline = options.LeaseDuration;

        Should.Throw<ArgumentException>(() => ((ISyncElectionStore)registry).CreateElection(options)).Message.ShouldContain("RenewDeadline");
    }

    [Fact]
    public async Task Campaign_FirstEndpointDead_LeadsThroughTheNext()
    {
        var options = new EtcdRegistryOptions { Prefix = _prefix, DialTimeout = TimeSpan.FromSeconds(2) };
        await using (var dead = new TcpProxy(fixture.Server.ClientPort))
        {
            options.Endpoints.Add(dead.Url);
            dead.Pause();
            options.Endpoints.Add(fixture.Server.ClientUrl);
            await using var replica = EtcdElectionReplica.Create(options, EtcdElectionReplica.Options(_name, "replica-a"), _name);
            replica.Candidate.Start();

            await replica.Candidate.WaitForLeadershipAsync().WaitAsync(Takeover);
            (await replica.Election.ListReplicasAsync()).ShouldBe(["replica-a"]);
        }
    }
}
