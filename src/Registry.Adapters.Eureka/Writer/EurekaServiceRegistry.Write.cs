using System.Diagnostics.CodeAnalysis;

namespace Registry.Adapters.Eureka;

/// <summary>The Eureka registry as a sync target: see <see cref="EurekaSyncWriter"/>.</summary>
internal sealed partial class EurekaServiceRegistry : IServiceRegistryWriter
{
    private EurekaSyncWriter? _writer;

    private EurekaSyncWriter Writer => LazyInitializer.EnsureInitialized(ref _writer, () => new EurekaSyncWriter(Name, _options, _client, _mapper, _time, _logger));

    /// <summary>The writer, once it was used (tests read its leases).</summary>
    internal EurekaSyncWriter? SyncWriter => _writer;

    /// <inheritdoc />
    public bool TryNormalize(ServiceInstance desired, [NotNullWhen(true)] out ServiceInstance? stored, [NotNullWhen(false)] out string? reason) =>
        Writer.TryNormalize(desired, out stored, out reason);

    /// <inheritdoc />
    public Task<OwnedRecords> ListOwnedAsync(string syncId, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return Writer.ListOwnedAsync(syncId, cancellationToken);
    }

    /// <inheritdoc />
    public Task<WriteResult> ApplyAsync(WriteBatch batch, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return Writer.ApplyAsync(batch, cancellationToken);
    }
}
