using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;

namespace Registry.Adapters.Sync.Serve;

/// <summary>
/// The serve app as two calls, for any ASP.NET Core host (<c>serve</c>, and <c>sync --listen</c> beside the sync):
/// <see cref="AddMeshServe"/> on the services, <see cref="MapMeshServe"/> on the app.
/// </summary>
internal static class ServeEndpoints
{
    /// <summary>Adds the watch hub, the catalog response cache and the OpenTelemetry Prometheus exporter of the library's meters.</summary>
    /// <param name="services">The app's services.</param>
    /// <param name="catalog">The catalog to serve.</param>
    /// <param name="settings">Limits and authentication.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddMeshServe(this IServiceCollection services, IMeshCatalog catalog, ServeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(settings);
        services.AddMetrics();
        services.AddRouting();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new ServeState(catalog, settings));
        services.AddSingleton<ServeMetrics>();
        services.AddSingleton<CatalogResponseCache>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<WatchHub>(sp, catalog, settings));
        services.AddHostedService(static sp => sp.GetRequiredService<WatchHub>());
        services.AddOpenTelemetry().WithMetrics(static metrics => metrics
            .AddMeter(RegistryMetrics.MeterName, ServeMetrics.MeterName)
            .AddPrometheusExporter());
        return services;
    }

    /// <summary>
    /// Maps the API (<c>/v1/catalog</c>, <c>/v1/services/{name}</c>, <c>/v1/registries</c>, <c>/v1/watch</c>), the probes
    /// (<c>/healthz</c>, <c>/readyz</c>), <c>/metrics</c> and the dashboard at <c>/</c>, behind the bearer token when one is set.
    /// Call <see cref="AddMeshServe"/> first.
    /// </summary>
    /// <param name="app">The app.</param>
    /// <returns>The app.</returns>
    public static WebApplication MapMeshServe(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var state = app.Services.GetRequiredService<ServeState>();
        if (state.Settings.Token is { } token)
        {
            var auth = new BearerAuth(token);
            app.Use((context, next) => auth.InvokeAsync(context, next));
        }

        app.Use(static (context, next) =>
        {
            // Every endpoint is a GET; a body is refused before it is read.
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                context.Response.Headers.Allow = "GET, HEAD";
                return Task.CompletedTask;
            }

            return next(context);
        });

        app.MapGet("/v1/catalog", static (HttpContext context, ServeState state, CatalogResponseCache cache) => CatalogAsync(context, state, cache));
        app.MapGet("/v1/services/{name}", static (HttpContext context, ServeState state, string name) => ServiceAsync(context, state, name));
        app.MapGet("/v1/registries", static (HttpContext context, WatchHub hub) =>
            ServeResults.WriteJsonAsync(context, hub.Registries, ServeJsonContext.Default.ServeRegistriesDocument));
        app.MapGet("/v1/watch", static (HttpContext context, WatchHub hub, IHostApplicationLifetime lifetime) => SseEndpoint.RunAsync(context, hub, lifetime));
        app.MapGet("/healthz", static (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return context.Response.WriteAsync("ok\n", context.RequestAborted);
        });
        app.MapGet("/readyz", static (HttpContext context, ServeState state) => ReadyAsync(context, state));
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/", static context => Dashboard.ServeAsync(context, "index.html"));
        app.MapGet("/{file:regex(^[a-z0-9-]+\\.(js|css|svg)$)}", static (HttpContext context, string file) => Dashboard.ServeAsync(context, file));
        return app;
    }

    private static async Task CatalogAsync(HttpContext context, ServeState state, CatalogResponseCache cache)
    {
        var body = cache.Get(state.Catalog.Current);
        var etag = string.Create(CultureInfo.InvariantCulture, $"\"{body.Revision}\"");
        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = "no-cache";
        if (context.Request.Headers.IfNoneMatch == etag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        await ServeResults.WriteBytesAsync(context, body.Body, "application/json; charset=utf-8").ConfigureAwait(false);
    }

    private static Task ServiceAsync(HttpContext context, ServeState state, string name)
    {
        var snapshot = state.Catalog.Current;
        if (name.Length > 253 || snapshot.Find(name) is not { } service)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return ServeResults.WriteErrorAsync(context, "no such mesh service");
        }

        return ServeResults.WriteJsonAsync(context, ServeProjection.ToDocument(service, snapshot.Revision), ServeJsonContext.Default.ServeServiceDocument);
    }

    private static Task ReadyAsync(HttpContext context, ServeState state)
    {
        var snapshot = state.Catalog.Current;
        var document = new ServeReadinessDocument
        {
            // Synced once: ready, or stale with its last-known-good instances. A standby of a leader election is ready too.
            Ready = snapshot.Registries.All(static r => r.State is RegistryState.Ready or RegistryState.Stale),
            Leadership = state.Settings.Leadership?.Invoke(),
            Shards = state.Settings.LeadershipShards?.Invoke(),
            Registries = [.. snapshot.Registries.Select(static r => new ServeReadinessRegistry { Name = r.Name, State = Serialization.CatalogDocumentWriter.StateName(r.State) })],
        };
        context.Response.StatusCode = document.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        return ServeResults.WriteJsonAsync(context, document, ServeJsonContext.Default.ServeReadinessDocument);
    }
}

/// <summary>The catalog and settings an app serves.</summary>
/// <param name="Catalog">The catalog.</param>
/// <param name="Settings">The settings.</param>
internal sealed record ServeState(IMeshCatalog Catalog, ServeSettings Settings);
