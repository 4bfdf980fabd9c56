using System.Diagnostics.CodeAnalysis;

namespace Registry.Adapters.Consul;

/// <summary>The Consul registry as a sync target: see <see cref="ConsulSyncWriter"/>.</summary>
internal sealed partial class ConsulServiceRegistry : IServiceRegistryWriter
{
    private ConsulSyncWriter? _writer;

    internal ConsulSyncWriter Writer => LazyInitializer.EnsureInitialized(ref _writer, () => new ConsulSyncWriter(this));

    /// <inheritdoc />
    public bool TryNormalize(ServiceInstance desired, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason) =>
        Writer.TryNormalize(desired, out stored, out reason);

    /// <inheritdoc />
    public Task<OwnedRecords> ListOwnedAsync(string syncId, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        return Writer.ListOwnedAsync(syncId, cancellationToken);
    }

    /// <inheritdoc />
    public Task<WriteResult> ApplyAsync(WriteBatch batch, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        return Writer.ApplyAsync(batch, cancellationToken);
    }
}
