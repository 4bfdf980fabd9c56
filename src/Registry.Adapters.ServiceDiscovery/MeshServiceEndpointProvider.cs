using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ServiceDiscovery;

namespace Registry.Adapters.ServiceDiscovery;

/// <summary>
/// Resolves one service-discovery query (<c>https+http://_grpc.orders</c>) against the mesh catalog. Adds nothing when
/// an earlier provider (explicit <c>Services:</c> configuration) already did, or when the mesh does not know the
/// service, so the next provider (DNS, pass-through) answers. Registers a change token that fires when this service,
/// and only this one, changes.
/// </summary>
internal sealed partial class MeshServiceEndpointProvider : IServiceEndpointProvider
{
    private readonly IMeshCatalog _catalog;
    private readonly ServiceChangeTokens _tokens;
    private readonly ServiceChangeTokens.ServiceWatch _watch;
    private readonly MeshServiceEndpointProviderOptions _options;
    private readonly string _serviceName;
    private readonly string? _endpointName;
    private readonly string[] _schemes;
    private readonly ILogger _logger;
    private int _disposed;

    public MeshServiceEndpointProvider(
        IMeshCatalog catalog,
        ServiceChangeTokens tokens,
        MeshServiceEndpointProviderOptions options,
        string serviceName,
        string? endpointName,
        string[] schemes,
        ILogger logger)
    {
        _catalog = catalog;
        _tokens = tokens;
        _options = options;
        _serviceName = serviceName;
        _endpointName = string.IsNullOrWhiteSpace(endpointName) ? null : endpointName;
        _schemes = schemes;
        _logger = logger;
        _watch = tokens.Acquire(serviceName);
    }

    /// <inheritdoc />
    public ValueTask PopulateAsync(IServiceEndpointBuilder endpoints, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.Endpoints.Count != 0)
        {
            Log.Skipped(_logger, _serviceName);
            return default;
        }

        using var activity = ServiceDiscoveryTelemetry.Source.StartActivity("mesh.resolve", ActivityKind.Internal);
        activity?.SetTag("mesh.service", _serviceName);
        activity?.SetTag("service.name", _serviceName);
        activity?.SetTag("mesh.endpoint", _endpointName);

        // The token first, then the instances: a change in between fires the token, never the other way round.
        endpoints.AddChangeToken(_watch.GetChangeToken());
        var instances = _catalog.Resolve(_serviceName);
        if (instances.IsEmpty)
        {
            activity?.SetTag("mesh.endpoints", 0);
            Log.NotInMesh(_logger, _serviceName);
            return default;
        }

        var selected = new List<(MeshInstance Instance, Uri Uri)>(instances.Length);
        var outcome = EndpointSelection.Select(instances, _options, _endpointName, _schemes, selected);
        if (outcome != EndpointSelection.Outcome.Selected)
        {
            // The mesh knows the service: falling through to DNS would only turn this into "name not known".
            var message = Describe(outcome, instances.Length);
            activity?.SetTag("error.type", outcome == EndpointSelection.Outcome.NoMatchingPort ? "no_matching_port" : "no_eligible_instance");
            activity?.SetStatus(ActivityStatusCode.Error, message);
            throw new InvalidOperationException(message);
        }

        activity?.SetTag("mesh.endpoints", selected.Count);

        foreach (var (instance, uri) in selected)
        {
            var features = new FeatureCollection(2);
            features.Set(instance);
            features.Set<IServiceEndpointProvider>(this);
            endpoints.Endpoints.Add(ServiceEndpoint.Create(new UriEndPoint(uri), features));
        }

        Log.Resolved(_logger, _serviceName, selected.Count, instances.Length);
        return default;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _tokens.Release(_watch);
        }

        return default;
    }

    /// <inheritdoc />
    public override string ToString() => "Mesh";

    private string Describe(EndpointSelection.Outcome outcome, int count)
    {
        if (outcome == EndpointSelection.Outcome.NoMatchingPort)
        {
            var wanted = _endpointName is null ? $"a port for {string.Join(" or ", _schemes)}" : $"a port named '{_endpointName}' usable over {string.Join(" or ", _schemes)}";
            return $"The mesh service '{_serviceName}' has {count} instance(s), but no eligible one has {wanted}.";
        }

        return $"The mesh service '{_serviceName}' has {count} instance(s), but none is eligible (healthy{(_options.UseStaleWhenNoneFresh ? ", or stale when nothing fresh is left" : ", not stale")}). "
            + "Set MeshServiceEndpointProviderOptions.IncludeUnhealthy/IncludeDraining/IncludeStarting/IncludeUnknown to hand out others.";
    }
}
