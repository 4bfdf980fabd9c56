using System.Diagnostics.CodeAnalysis;

namespace Registry.Adapters.Etcd;

/// <summary>The etcd registry as a sync target: see <see cref="EtcdSyncWriter"/>.</summary>
internal sealed partial class EtcdServiceRegistry : IServiceRegistryWriter
{
    private EtcdSyncWriter? _writer;

    internal EtcdSyncWriter Writer => LazyInitializer.EnsureInitialized(ref _writer, () => new EtcdSyncWriter(this, _options, _codec, _timeProvider, _logger));

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

    private void DisposeWriter() => _writer?.Dispose();
}
