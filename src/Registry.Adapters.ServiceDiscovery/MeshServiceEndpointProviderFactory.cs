using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace Registry.Adapters.ServiceDiscovery;

/// <summary>Creates a <see cref="MeshServiceEndpointProvider"/> for every query; the provider decides per resolution whether the mesh answers.</summary>
internal sealed class MeshServiceEndpointProviderFactory(
    IMeshCatalog catalog,
    ServiceChangeTokens tokens,
    IOptionsMonitor<MeshServiceEndpointProviderOptions> options,
    IOptions<ServiceDiscoveryOptions> discoveryOptions,
    ILogger<MeshServiceEndpointProvider> logger) : IServiceEndpointProviderFactory
{
    /// <inheritdoc />
    public bool TryCreateProvider(ServiceEndpointQuery query, [NotNullWhen(true)] out IServiceEndpointProvider? provider)
    {
        ArgumentNullException.ThrowIfNull(query);

        // Always created, even for a service the mesh does not know yet: its change token tells the watcher when it appears.
        var discovery = discoveryOptions.Value;
        var schemes = EndpointSelection.Schemes(query.IncludedSchemes, discovery.AllowAllSchemes, discovery.AllowedSchemes);
        provider = new MeshServiceEndpointProvider(catalog, tokens, options.CurrentValue, query.ServiceName, query.EndpointName, schemes, logger);
        return true;
    }
}
