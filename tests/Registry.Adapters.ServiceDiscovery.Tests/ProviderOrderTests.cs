using System.Diagnostics.CodeAnalysis;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.ServiceDiscovery;
using Shouldly;
using Xunit;

namespace Registry.Adapters.ServiceDiscovery.Tests;

/// <summary>Where the mesh stands among MESD's providers: after explicit configuration, before DNS and pass-through.</summary>
public sealed class ProviderOrderTests
{
    [Fact]
    public async Task Resolve_ExplicitServicesConfiguration_WinsOverTheMesh()
    {
        await using var host = await MeshDiscoveryHost.StartAsync(configuration: new Dictionary<string, string?>
        {
            ["Services:orders:http:0"] = "http://127.0.0.9:7000",
        });
        await host.SetAsync("orders", MeshServiceEndpointProviderTests.Instance("o1"));

        var endpoint = (await host.ResolveAsync("http://orders")).ShouldHaveSingleItem();

        endpoint.Features.Get<MeshInstance>().ShouldBeNull();
        endpoint.EndPoint.ToString()!.ShouldContain("127.0.0.9:7000");
    }

    [Fact]
    public async Task Resolve_ConfigurationForAnotherService_MeshAnswersThisOne()
    {
        await using var host = await MeshDiscoveryHost.StartAsync(configuration: new Dictionary<string, string?>
        {
            ["Services:payments:http:0"] = "http://127.0.0.9:7000",
        });
        await host.SetAsync("orders", MeshServiceEndpointProviderTests.Instance("o1"));

        var endpoint = (await host.ResolveAsync("http://orders")).ShouldHaveSingleItem();

        endpoint.Features.Get<MeshInstance>()!.Instance.Id.ShouldBe("o1");
    }

    [Fact]
    public async Task Resolve_MeshKnowsService_WinsOverLaterProvidersAndPassThrough()
    {
        var dns = new RecordingFactory();
        await using var host = await MeshDiscoveryHost.StartAsync(after: s => s.AddSingleton<IServiceEndpointProviderFactory>(dns));
        await host.SetAsync("orders", MeshServiceEndpointProviderTests.Instance("o1"));

        var endpoint = (await host.ResolveAsync("http://orders")).ShouldHaveSingleItem();

        endpoint.Features.Get<MeshInstance>()!.Instance.Id.ShouldBe("o1");
        dns.Populated.ShouldBe(1);
        dns.Added.ShouldBe(0);
    }

    [Fact]
    public async Task Resolve_MeshDoesNotKnowService_LaterProviderAnswers()
    {
        var dns = new RecordingFactory();
        await using var host = await MeshDiscoveryHost.StartAsync(after: s => s.AddSingleton<IServiceEndpointProviderFactory>(dns));

        var endpoint = (await host.ResolveAsync("http://orders")).ShouldHaveSingleItem();

        endpoint.EndPoint.ShouldBe(RecordingFactory.Address);
        dns.Added.ShouldBe(1);
    }

    [Fact]
    public async Task Resolve_RegisteredBeforeTheMesh_ThatProviderWins()
    {
        // Registration order is the order: a DNS provider added before the mesh answers first.
        var dns = new RecordingFactory();
        await using var host = await MeshDiscoveryHost.StartAsync(before: s => s.AddSingleton<IServiceEndpointProviderFactory>(dns), addServiceDiscovery: false);
        await host.SetAsync("orders", MeshServiceEndpointProviderTests.Instance("o1"));

        var endpoint = (await host.ResolveAsync("http://orders")).ShouldHaveSingleItem();

        endpoint.EndPoint.ShouldBe(RecordingFactory.Address);
    }

    [Fact]
    public async Task AddMeshServiceEndpointProvider_CalledTwice_OneProvider()
    {
        var services = new ServiceCollection();
        services.AddMeshServiceEndpointProvider().AddMeshServiceEndpointProvider();
        services.AddMeshRegistry().AddServiceEndpointProvider();

        services.Count(static d => d.ServiceType == typeof(IServiceEndpointProviderFactory)).ShouldBe(1);
    }

    /// <summary>Stands in for a DNS provider: answers with a fixed address when nobody did before it.</summary>
    private sealed class RecordingFactory : IServiceEndpointProviderFactory, IServiceEndpointProvider
    {
        public static readonly EndPoint Address = new DnsEndPoint("dns.example", 80);

        public int Populated;
        public int Added;

        public bool TryCreateProvider(ServiceEndpointQuery query, [NotNullWhen(true)] out IServiceEndpointProvider? provider)
        {
            provider = this;
            return true;
        }

        public ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Populated);
            if (endpoints.Endpoints.Count == 0)
            {
                Interlocked.Increment(ref Added);
                endpoints.Endpoints.Add(ServiceEndpoint.Create(Address));
            }

            return default;
        }

        public ValueTask DisposeAsync() => default;
    }
}
