using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.ServiceDiscovery.Tests;

/// <summary>A real Kestrel server on 127.0.0.1 with two ports; GET /whoami answers its name and the port that served it.</summary>
internal sealed class LoopbackBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private LoopbackBackend(string name, WebApplication app)
    {
        Name = name;
        _app = app;
    }

    public string Name { get; }

    /// <summary>The first port (the instance's <c>http</c> port).</summary>
    public int Port { get; private set; }

    /// <summary>The second port (the instance's <c>grpc</c> port in tests).</summary>
    public int SecondPort { get; private set; }

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<LoopbackBackend> StartAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var backend = new LoopbackBackend(name, app);
        app.MapGet("/whoami", (HttpContext context) =>
        {
            Interlocked.Increment(ref backend._requests);
            return $"{name}:{context.Connection.LocalPort}";
        });
        await app.StartAsync();
        var ports = app.Services.GetService(typeof(IServer)) is IServer server
            ? server.Features.Get<IServerAddressesFeature>()!.Addresses.Select(static a => new Uri(a).Port).ToArray()
            : [];
        backend.Port = ports[0];
        backend.SecondPort = ports[1];
        return backend;
    }

    /// <summary>This backend as a mesh instance of <paramref name="service"/>.</summary>
    public ServiceInstance AsInstance(string service, string? id = null, HealthStatus health = HealthStatus.Healthy, string? zone = null) => new()
    {
        Service = service,
        Id = id ?? Name,
        Host = "127.0.0.1",
        Ports = [new ServicePort("http", Port, "http"), new ServicePort("grpc", SecondPort, "grpc")],
        Health = health,
        Zone = zone,
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
