using k8s;
using Registry.Adapters.Kubernetes.Istio;
using Registry.Adapters.Kubernetes.Leadership;
using Registry.Adapters.Sync;
using Shouldly;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Registry.Adapters.Kubernetes.Tests.Deploy;

/// <summary>
/// deploy/kubernetes/rbac.yaml grants exactly what the code uses: a full run against the fake (the Kubernetes source's list
/// and watch, the Lease election with its release, the istio target's create, update, delete and ownership reads, inline
/// and as WorkloadEntries, the kubernetes target's Services and EndpointSlices) records every request as RBAC sees it; each must be granted, and each grant must be used.
/// </summary>
public sealed class RbacManifestTests
{
    private sealed record Grant(string Group, string Resource, string Verb, bool ClusterWide);

    private static List<Grant> ReadGrants()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Deploy", "rbac.yaml"))));
        var grants = new List<Grant>();
        foreach (var document in stream.Documents)
        {
            var root = (YamlMappingNode)document.RootNode;
            var kind = ((YamlScalarNode)root["kind"]).Value;
            if (kind is not ("Role" or "ClusterRole"))
            {
                continue;
            }

            if (kind == "Role")
            {
                ((YamlScalarNode)((YamlMappingNode)root["metadata"])["namespace"]).Value.ShouldBe("mesh");
            }

            foreach (var rule in ((YamlSequenceNode)root["rules"]).Cast<YamlMappingNode>())
            {
                foreach (var group in ((YamlSequenceNode)rule["apiGroups"]).Cast<YamlScalarNode>())
                {
                    foreach (var resource in ((YamlSequenceNode)rule["resources"]).Cast<YamlScalarNode>())
                    {
                        foreach (var verb in ((YamlSequenceNode)rule["verbs"]).Cast<YamlScalarNode>())
                        {
                            grants.Add(new Grant(group.Value!, resource.Value!, verb.Value!, kind == "ClusterRole"));
                        }
                    }
                }
            }
        }

        return grants;
    }

    private static ServiceInstance Instance(string id, string host) =>
        SyncMetadata.Mark(new ServiceInstance { Service = "orders", Id = id, Host = host, Ports = [new ServicePort("http", 8080, "http")] }, "mesh-sync", "consul");

    private static WriteBatch Batch(params ServiceInstance[] instances) => new()
    {
        SyncId = "mesh-sync",
        Services = new Dictionary<string, IReadOnlyList<ServiceInstance>> { ["orders"] = instances },
    };

    [Fact]
    public async Task Rbac_FullRun_EveryRequestGrantedAndEveryGrantUsed()
    {
        await using var host = await KubernetesTestHost.StartAsync();
        var server = host.Server;
        server.PutService(K8sObjects.Service("shop", "billing"));
        using var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = server.Url.ToString(), AccessToken = FakeKubeconfig.Token });

        // The Kubernetes source: list, then watch, cluster-wide.
        var registry = host.CreateRegistry();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watching = Task.Run(async () =>
        {
            await foreach (var _ in registry.WatchAsync(stop.Token))
            {
            }
        });
        while (server.OpenWatches < 2)
        {
            await Task.Delay(20, stop.Token);
        }

        // Leader election on the Lease (--leader-elect kubernetes), counting the member Leases, then a step-down that releases it.
        var election = ((ISyncElectionStore)registry).CreateElection(new SyncElectionOptions
        {
            Kind = "kubernetes", Namespace = "mesh", Identity = "pod-a", RetryPeriod = TimeSpan.FromMilliseconds(100),
        });
        var candidate = election.GetCandidate("mesh-sync");
        candidate.Start();
        await candidate.WaitForLeadershipAsync(stop.Token);
        while (server.GetObject("leases", "mesh", ((KubernetesSyncElection)election).MemberLease) is null)
        {
            await Task.Delay(20, stop.Token);
        }

        (await election.ListReplicasAsync(stop.Token)).ShouldBe(["pod-a"]);

        // The istio target: inline endpoints and standalone WorkloadEntries; create, update, delete.
        foreach (var workloadEntries in new[] { false, true })
        {
            var writer = new IstioServiceEntryWriter("istio", client, new IstioMappingOptions { Namespace = "mesh", WorkloadEntries = workloadEntries });
            await writer.ListOwnedAsync("mesh-sync", stop.Token);
            await writer.ApplyAsync(Batch(Instance("o1", "10.0.0.1"), Instance("o2", "10.0.0.2")), stop.Token);
            await writer.ApplyAsync(Batch(Instance("o1", "10.0.0.1")), stop.Token);
            await writer.ApplyAsync(Batch(), stop.Token);
        }

        // The kubernetes target (the registry itself): Services and EndpointSlices; create, update, delete, and a native Service refused.
        server.PutService(K8sObjects.Service("mesh", "native", ports: ("http", 80)));
        var target = (IServiceRegistryWriter)registry;
        await target.ListOwnedAsync("mesh-sync", stop.Token);
        await target.ApplyAsync(Batch(Instance("o1", "10.0.0.1"), Instance("o2", "10.0.0.2")), stop.Token);
        await target.ApplyAsync(Batch(Instance("o1", "10.0.0.1")), stop.Token);
        await target.ApplyAsync(Batch(), stop.Token);
        (await target.ApplyAsync(new WriteBatch
        {
            SyncId = "mesh-sync",
            Services = new Dictionary<string, IReadOnlyList<ServiceInstance>> { ["native"] = [Instance("n1", "10.0.0.3") with { Service = "native" }] },
        }, stop.Token)).Rejected.ShouldHaveSingleItem();

        await election.DisposeAsync();
        await stop.CancelAsync();
        await watching.ContinueWith(_ => { }, TaskScheduler.Default);

        var grants = ReadGrants();
        var requests = server.RbacRequests.Select(r => (r.Verb, r.Group, r.Resource, ClusterWide: r.Namespace is null)).Distinct().ToList();
        foreach (var request in requests)
        {
            grants.ShouldContain(g => g.Group == request.Group && g.Resource == request.Resource && g.Verb == request.Verb && (g.ClusterWide || !request.ClusterWide),
                $"rbac.yaml does not grant {request.Verb} {request.Resource} in group '{request.Group}'{(request.ClusterWide ? " cluster-wide" : " in the mesh namespace")}");
        }

        foreach (var grant in grants)
        {
            requests.ShouldContain(r => r.Group == grant.Group && r.Resource == grant.Resource && r.Verb == grant.Verb && r.ClusterWide == grant.ClusterWide,
                $"rbac.yaml grants {grant.Verb} {grant.Resource} in group '{grant.Group}' ({(grant.ClusterWide ? "ClusterRole" : "Role")}), which no request used");
        }
    }
}
