using k8s;
using Registry.Adapters.Kubernetes.Leadership;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Kubernetes.Tests.Leadership;

/// <summary>Lease election against the fake API server's Leases (create 409, update resourceVersion preconditions).</summary>
public sealed class KubernetesLeaseLeadershipTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly List<k8s.Kubernetes> _clients = [];
    private FakeKubeApiServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeKubeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await _server.DisposeAsync();
    }

    private KubernetesLeaseLeadership Replica(string identity, TimeSpan? leaseDuration = null)
    {
        var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _server.Url.ToString(), AccessToken = FakeKubeconfig.Token });
        _clients.Add(client);
        return new KubernetesLeaseLeadership(client, new KubernetesLeaseOptions
        {
            Namespace = "mesh",
            LeaseName = "mesh-sync",
            Identity = identity,
            LeaseDuration = leaseDuration ?? TimeSpan.FromSeconds(3),
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromMilliseconds(100),
        });
    }

    private int LeaseReads => _server.RbacRequests.Count(r => r.Resource == "leases" && r.Verb == "get");

    private async Task WaitForAsync(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            timeout.IsCancellationRequested.ShouldBeFalse($"timed out waiting for {what}");
        }
    }

    [Fact]
    public async Task TwoReplicas_OneLease_ExactlyOneLeads()
    {
        await using var a = Replica("pod-a");
        await using var b = Replica("pod-b");
        a.Start();
        await a.WaitForLeadershipAsync().WaitAsync(Patience);
        b.Start();
        var reads = LeaseReads;

        await WaitForAsync(() => LeaseReads >= reads + 20, "the standby to try the Lease 20 times");

        a.IsLeader.ShouldBeTrue();
        b.IsLeader.ShouldBeFalse();
        b.Terms.ShouldBe(0);
        _server.GetObject("leases", "mesh", "mesh-sync")!["spec"]!["holderIdentity"]!.GetValue<string>().ShouldBe("pod-a");
    }

    [Fact]
    public async Task DisposeLeader_ReleasesLease_StandbyTakesOverBeforeExpiry()
    {
        var a = Replica("pod-a", TimeSpan.FromMinutes(5));
        await using var b = Replica("pod-b", TimeSpan.FromMinutes(5));
        a.Start();
        await a.WaitForLeadershipAsync().WaitAsync(Patience);
        b.Start();
        var reads = LeaseReads;
        await WaitForAsync(() => LeaseReads >= reads + 5, "the standby to see the held Lease");

        await a.DisposeAsync();

        a.IsLeader.ShouldBeFalse();
        await b.WaitForLeadershipAsync().WaitAsync(Patience); // far less than the 5-minute lease duration: only a release allows it
        _server.GetObject("leases", "mesh", "mesh-sync")!["spec"]!["holderIdentity"]!.GetValue<string>().ShouldBe("pod-b");
        _server.RbacRequests.Where(r => r.Resource == "leases").Select(r => r.Verb).Distinct().Order().ShouldBe(["create", "get", "update"]);
    }

    [Fact]
    public async Task LeaderCannotRenew_StopsLeadingAndCampaignsAgain()
    {
        await using var a = Replica("pod-a");
        var changes = new List<bool>();
        a.LeadershipChanged += leading =>
        {
            lock (changes)
            {
                changes.Add(leading);
            }
        };
        a.Start();
        await a.WaitForLeadershipAsync().WaitAsync(Patience);

        _server.Deny("leases", "update");
        await WaitForAsync(() => !a.IsLeader, "the leader to step down after its renew deadline");
        _server.AllowAll();
        await a.WaitForLeadershipAsync().WaitAsync(Patience);

        lock (changes)
        {
            changes.ShouldBe([true, false, true]);
        }

        a.Terms.ShouldBe(2);
    }
}
