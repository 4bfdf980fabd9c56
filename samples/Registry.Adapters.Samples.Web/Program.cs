using Registry.Adapters;

var builder = WebApplication.CreateBuilder(args);

// The "Mesh" section of appsettings.json: a File registry over samples/catalog.json, an alias and merge policies.
builder.Services.AddMeshRegistry(builder.Configuration.GetSection("Mesh"));

var app = builder.Build();

// Every instance of a mesh service, as the merged catalog has it.
app.MapGet("/services/{name}", (string name, IMeshCatalog catalog) =>
{
    var instances = catalog.Resolve(name);
    return instances.IsEmpty
        ? Results.NotFound(new { error = $"no service '{name}' in the mesh" })
        : Results.Ok(instances.Select(static i => new
        {
            i.Registry,
            i.Instance.Id,
            i.Instance.Host,
            Ports = i.Instance.Ports.Select(static p => $"{p.Name}:{p.Port}"),
            Health = i.Instance.Health.ToString(),
            i.Instance.Zone,
            i.Stale,
        }));
});

// Where to send an order now: a healthy instance's http endpoint, preferring the caller's zone.
app.MapGet("/orders/endpoint", (string? zone, IMeshCatalog catalog) =>
{
    var healthy = catalog.Resolve("orders")
        .Where(static i => i.Instance.Health == HealthStatus.Healthy && i.Instance.GetPort("http") is not null)
        .OrderByDescending(i => string.Equals(i.Instance.Zone, zone, StringComparison.OrdinalIgnoreCase))
        .FirstOrDefault();
    return healthy is null
        ? Results.Problem("no healthy instance of 'orders'", statusCode: StatusCodes.Status503ServiceUnavailable)
        : Results.Ok(new { url = $"http://{healthy.Instance.Host}:{healthy.Instance.GetPort("http")!.Port}", healthy.Instance.Id, healthy.Registry });
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

await app.RunAsync();
