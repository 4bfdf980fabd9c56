using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Sync.Serve;

/// <summary>Kestrel serving one catalog: what <c>mesh-sync serve</c> runs, and what <c>sync --listen</c> starts beside the sync.</summary>
internal sealed class ServeHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ServeHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The address it listens on (the real port when 0 was asked for).</summary>
    public Uri Address { get; }

    /// <summary>The app's services (the watch hub, for tests and benchmarks).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Builds the app (Kestrel with the request limits, the endpoints) and starts listening.</summary>
    /// <param name="catalog">The catalog to serve.</param>
    /// <param name="settings">Address, token and limits.</param>
    /// <param name="logging">Where the server logs (warnings and errors); <see langword="null"/> for nowhere.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; dispose it to stop.</returns>
    public static async Task<ServeHost> StartAsync(IMeshCatalog catalog, ServeSettings settings, ILoggerProvider? logging, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(settings);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "mesh-sync", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (logging is not null)
        {
            builder.Logging.AddProvider(logging);
        }

        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            var limits = kestrel.Limits;
            limits.MaxRequestHeadersTotalSize = settings.MaxRequestHeadersTotalSize;
            limits.MaxRequestHeaderCount = settings.MaxRequestHeaderCount;
            limits.MaxRequestLineSize = settings.MaxRequestLineSize;
            limits.MaxRequestBodySize = settings.MaxRequestBodySize;
            limits.MaxConcurrentConnections = settings.MaxConcurrentConnections;
            limits.MaxConcurrentUpgradedConnections = 0;
            limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            var listen = settings.Listen;
            if (listen.Host == "*")
            {
                kestrel.ListenAnyIP(listen.Port);
            }
            else if (listen.Address is null)
            {
                kestrel.Listen(IPAddress.Loopback, listen.Port);
            }
            else
            {
                kestrel.Listen(listen.Address, listen.Port);
            }
        });
        builder.Services.AddMeshServe(catalog, settings);
        var app = builder.Build();
        app.MapMeshServe();
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no address.");
        var address = new UriBuilder(bound.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal)) { Path = "/" }.Uri;
        return new ServeHost(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(stop.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
