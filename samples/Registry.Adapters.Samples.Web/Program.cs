using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.ServiceDiscovery;
using Registry.Adapters;

var builder = WebApplication.CreateBuilder(args);

// The "Mesh" section of appsettings.json: three File registries, an alias, a merge policy, and start gating.
builder.Services.AddMeshRegistry(builder.Configuration.GetSection("Mesh"))
    .AddHealthChecks();

// Service discovery: explicit "Services:" configuration first, then the mesh, then pass-through (DNS).
builder.Services.AddServiceDiscovery()
    .AddMeshServiceEndpointProvider(o => o.Zone = builder.Configuration["Zone"]);
builder.Services.AddHttpClient("mesh").AddServiceDiscovery();

// YARP: the destinations of appsettings.json's ReverseProxy clusters are mesh services (http://orders).
builder.Services.AddReverseProxy()
    .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
    .AddServiceDiscoveryDestinationResolver();

var app = builder.Build();

app.MapGet("/whoami", () => "Registry.Adapters.Samples.Web");

// Calls a mesh service through an HttpClient: http://{service}/{path}, resolved by the mesh, round-robin.
app.MapGet("/call/{service}/{**path}", async (string service, string? path, IHttpClientFactory clients, CancellationToken cancellationToken) =>
{
    if (ServiceInstanceValidator.ValidateServiceName(service) is { } invalid)
    {
        return Results.BadRequest(new { error = invalid });
    }

    try
    {
        var body = await clients.CreateClient("mesh").GetStringAsync(new Uri($"http://{service}/{path}"), cancellationToken);
        return Results.Text(body);
    }
    catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException)
    {
        return Results.Problem(ex.Message, statusCode: StatusCodes.Status502BadGateway);
    }
});

// What service discovery resolves ?query= to (orders, https+http://orders, http://_grpc.orders, …), with each endpoint's mesh instance.
app.MapGet("/endpoints", async (string query, ServiceEndpointResolver resolver, CancellationToken cancellationToken) =>
{
    try
    {
        var source = await resolver.GetEndpointsAsync(query.Contains("://", StringComparison.Ordinal) ? query : $"https+http://{query}", cancellationToken);
        return Results.Ok(source.Endpoints.Select(static e => new
        {
            endpoint = e.EndPoint.ToString(),
            registry = e.Features.Get<MeshInstance>()?.Registry,
            id = e.Features.Get<MeshInstance>()?.Instance.Id,
            zone = e.Features.Get<MeshInstance>()?.Instance.Zone,
        }));
    }
    catch (InvalidOperationException ex)
    {
        return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
});

// The registries and their state (ready, stale, failed) with their errors.
app.MapGet("/registries", (IMeshCatalog catalog) => catalog.Current.Registries.Select(static r => new
{
    r.Name,
    r.Kind,
    State = r.State.ToString(),
    r.Error,
    r.Services,
    r.Instances,
}));

// Readiness: every registry synced (Degraded while one is stale still passes). Liveness: the process answers.
app.MapHealthChecks("/health", new HealthCheckOptions { Predicate = static r => r.Tags.Contains("ready") });
app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = static _ => false });

app.MapReverseProxy();

await app.RunAsync();
