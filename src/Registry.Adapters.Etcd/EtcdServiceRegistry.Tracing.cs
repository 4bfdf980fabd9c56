using Registry.Adapters.Backends;

namespace Registry.Adapters.Etcd;

internal sealed partial class EtcdServiceRegistry
{
    /// <summary><see cref="LoadAsync"/> (the prefix's range read) inside a <c>registry.read</c> or <c>registry.resync</c> span.</summary>
    internal async Task<LoadResult> TracedLoadAsync(EtcdConnection connection, string operation, CancellationToken cancellationToken)
    {
        using var activity = RegistryTracing.Start(EtcdTelemetry.Source, operation, Name, Kind, connection.Endpoint);
        try
        {
            var loaded = await LoadAsync(connection, cancellationToken).ConfigureAwait(false);
            RegistryTracing.SetCount(activity, "registry.instances", loaded.Snapshot.InstanceCount);
            return loaded;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            RegistryTracing.Fail(activity, ex);
            throw;
        }
    }
}
