using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Registry.Adapters.Kubernetes.Istio;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Kubernetes.Tests.Istio;

/// <summary><c>AddMeshSync</c> with <c>To: istio</c> in a hosted app: the kubernetes registry's ServiceEntry target.</summary>
public sealed class IstioHostedSyncTests
{
    [Fact]
    public async Task AddMeshSync_ToIstio_MirrorsSourceChangesIntoServiceEntries()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        var kubeconfig = FakeKubeconfig.Write(server.Url);
        try
        {
            var memory = new InMemoryRegistry("memory");
            memory.Set(new ServiceInstance { Service = "orders", Id = "o1", Host = "10.0.0.1", Ports = [new ServicePort("http", 8080, "http")] });
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddMeshRegistry(mesh => mesh
                .AddInMemory(memory)
                .AddKubernetes("cluster", o =>
                {
                    o.KubeconfigPath = kubeconfig;
                    o.TargetNamespace = "mirrors";
                    o.Istio.HostTemplate = "{service}.global";
                }));
            builder.Services.AddMeshSync(configure: o => o.To.Add("istio"));
            using var host = builder.Build();
            await host.StartAsync();

            await Poll.UntilAsync(() => server.GetObject("serviceentries", "mirrors", "orders") is not null, "the ServiceEntry is applied");
            var entry = server.GetObject("serviceentries", "mirrors", "orders")!;
            entry["spec"]!["hosts"]![0]!.GetValue<string>().ShouldBe("orders.global");
            entry["metadata"]!["labels"]![KubernetesOwnership.OriginLabel]!.GetValue<string>().ShouldBe("memory");

            memory.Set(new ServiceInstance { Service = "orders", Id = "o2", Host = "10.0.0.2", Ports = [new ServicePort("http", 8080, "http")] });
            await Poll.UntilAsync(() => server.GetObject("serviceentries", "mirrors", "orders")?["spec"]?["endpoints"]?.AsArray().Count == 2, "the change is applied");

            await host.StopAsync();
        }
        finally
        {
            FakeKubeconfig.Delete(kubeconfig);
        }
    }
}
