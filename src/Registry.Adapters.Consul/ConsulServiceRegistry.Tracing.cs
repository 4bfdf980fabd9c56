using Registry.Adapters.Backends;
using Registry.Adapters.Consul.Client;

namespace Registry.Adapters.Consul;

internal sealed partial class ConsulServiceRegistry
{
    /// <summary>One read round (a blocking query, or a full read's query) inside a <c>registry.read</c> or <c>registry.resync</c> span.</summary>
    internal async Task<ConsulResponse> TracedAsync<TState>(string operation, string? service, TState state, Func<TState, CancellationToken, Task<ConsulResponse>> call, CancellationToken cancellationToken)
    {
        using var activity = RegistryTracing.Start(ConsulTelemetry.Source, operation, Name, Kind, Settings.BaseAddress, service);
        try
        {
            var response = await call(state, cancellationToken).ConfigureAwait(false);
            RegistryTracing.SetCount(activity, "consul.index", (long)response.Index);
            return response;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            RegistryTracing.Fail(activity, ex);
            throw;
        }
    }
}
