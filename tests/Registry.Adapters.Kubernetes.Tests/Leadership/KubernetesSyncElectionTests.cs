using System.Text.Json.Nodes;
using Registry.Adapters.Kubernetes.Leadership;
using Registry.Adapters.Sync;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Kubernetes.Tests.Leadership;

/// <summary>
/// <c>--leader-elect kubernetes</c> through the registry's <see cref="ISyncElectionStore"/>: two replicas on one Lease, one
/// leads; a stopping leader releases the Lease and the other takes it. The lease duration (60 s) is longer than any wait
/// here (20 s), so a takeover proves the release, not an expiry.
/// </summary>
public sealed class KubernetesSyncElectionTests : IAsyncLifetime
{
    private KubernetesTestHost _host = null!;

    public async Task InitializeAsync() => _host = await KubernetesTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private ISyncElection Election(string identity)
    {
        var store = _host.CreateRegistry(name: "kubernetes-" + identity).ShouldBeAssignableTo<ISyncElectionStore>()!;
        return store.CreateElection(new SyncElectionOptions
        {
            Kind = "kubernetes",
            Name = "orders-sync",
            Namespace = "mesh",
            Identity = identity,
            LeaseDuration = TimeSpan.FromSeconds(60),
            RenewDeadline = TimeSpan.FromSeconds(30),
            RetryPeriod = TimeSpan.FromMilliseconds(100),
        });
    }

    [Fact]
    public async Task TwoReplicas_OneLeadsThenStopReleasesAndTheOtherTakesOver()
    {
        await using var a = Election("pod-a");
        await using var b = Election("pod-b");
        var candidateA = a.GetCandidate("orders-sync");
        var candidateB = b.GetCandidate("orders-sync");
        a.GetCandidate("orders-sync").ShouldBeSameAs(candidateA);
        var overlaps = 0;
        candidateA.LeadershipChanged += leading => overlaps += leading && candidateB.IsLeader ? 1 : 0;
        candidateB.LeadershipChanged += leading => overlaps += leading && candidateA.IsLeader ? 1 : 0;

        candidateA.Start();
        await candidateA.WaitForLeadershipAsync().WaitAsync(Poll.Timeout);
        candidateB.Start();
        await Poll.UntilAsync(async () => (await b.ListReplicasAsync()).Count == 2 && (await a.ListReplicasAsync()).Count == 2, "both member Leases are listed");
        candidateB.IsLeader.ShouldBeFalse("the Lease is held by pod-a");
        _host.Server.GetObject("leases", "mesh", "orders-sync")!["spec"]!["holderIdentity"]!.GetValue<string>().ShouldBe("pod-a");

        await candidateA.StopAsync();

        candidateA.IsLeader.ShouldBeFalse();
        await candidateB.WaitForLeadershipAsync().WaitAsync(Poll.Timeout);
        _host.Server.GetObject("leases", "mesh", "orders-sync")!["spec"]!["holderIdentity"]!.GetValue<string>().ShouldBe("pod-b");
        overlaps.ShouldBe(0, "never two leaders at once");

        await a.DisposeAsync();
        _host.Server.GetObject("leases", "mesh", KubernetesSyncElectionMemberName("orders-sync", "pod-a")).ShouldBeNull("a disposed replica removes its member Lease");
        (await b.ListReplicasAsync()).ShouldBe(["pod-b"]);
    }

    [Fact]
    public async Task ListReplicasAsync_LiveMemberLeases_ListsTheirHoldersSortedAndNotAnExpiredOne()
    {
        // A replica that crashed long ago: its member Lease stays, last renewed far beyond its lease duration.
        _host.Server.PutObject("leases", JsonNode.Parse("""
            { "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
              "metadata": { "name": "orders-sync-member-dead", "namespace": "mesh", "labels": { "registry-adapters.io/election": "orders-sync" } },
              "spec": { "holderIdentity": "pod-0", "leaseDurationSeconds": 60, "renewTime": "2020-01-01T00:00:00.000000Z" } }
            """)!.AsObject());
        await using var b = Election("pod-b");
        await using var a = Election("pod-a");
        (await b.ListReplicasAsync()).ShouldContain("pod-b", "a replica lists itself before its member Lease is written");
        (await a.ListReplicasAsync()).ShouldContain("pod-a");

        await Poll.UntilAsync(
            async () => _host.Server.GetObject("leases", "mesh", KubernetesSyncElectionMemberName("orders-sync", "pod-a")) is not null
                && _host.Server.GetObject("leases", "mesh", KubernetesSyncElectionMemberName("orders-sync", "pod-b")) is not null
                && (await a.ListReplicasAsync()).Count == 2,
            "both member Leases are written");

        (await a.ListReplicasAsync()).ShouldBe(["pod-a", "pod-b"], "the expired member Lease of pod-0 is not listed");
        (await b.ListReplicasAsync()).ShouldBe(["pod-a", "pod-b"]);
        await a.DisposeAsync();
        (await b.ListReplicasAsync()).ShouldBe(["pod-b"]);
    }

    [Fact]
    public async Task Candidate_StartAfterStop_CampaignsAgain()
    {
        await using var a = Election("pod-a");
        var candidate = a.GetCandidate("orders-sync-0");

        candidate.Start();
        await candidate.WaitForLeadershipAsync().WaitAsync(Poll.Timeout);
        await candidate.StopAsync();
        candidate.IsLeader.ShouldBeFalse();
        candidate.Start();

        await candidate.WaitForLeadershipAsync().WaitAsync(Poll.Timeout);
        candidate.IsLeader.ShouldBeTrue();
        candidate.Fence.ShouldBeNull("the Lease is no write fence for other stores");
    }

    private static string KubernetesSyncElectionMemberName(string name, string identity) => $"{name}-member-{Registry.Adapters.Kubernetes.Istio.KubernetesNames.Hash(identity)}";
}
