using System.Diagnostics;
using System.Diagnostics.Metrics;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Etcd;

/// <summary>
/// Discovery from etcd v3: every key under the prefix read at one pinned revision in pages, then one watch from
/// that revision + 1 whose stream this class owns (a fresh connection and watch on every failure), so that a
/// reconnect resumes exactly after the last applied revision, and a compacted or rebuilt etcd leads to a resync.
/// </summary>
internal sealed partial class EtcdServiceRegistry : IServiceRegistry
{
    private readonly EtcdRegistryOptions _options;
    private readonly EtcdRecordCodec _codec;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly RegistryMetrics _metrics;
    private readonly CancellationTokenSource _disposed = new();

    public EtcdServiceRegistry(string name, EtcdRegistryOptions options, ILoggerFactory loggerFactory, TimeProvider timeProvider, IMeterFactory? meterFactory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        _options = options;
        _codec = new EtcdRecordCodec(options);
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<EtcdServiceRegistry>();
        _metrics = new RegistryMetrics(meterFactory, name, "etcd");
    }

    public string Name { get; }

    public string Kind => "etcd";

    /// <summary>How many range requests the last full read made (for tests of paging).</summary>
    internal int LastLoadPages { get; private set; }

    public async Task<RegistrySnapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        RegistryException? last = null;
        for (var i = 0; i < _options.Endpoints.Count; i++)
        {
            EtcdConnection? connection = null;
            try
            {
                connection = await EtcdConnection.ConnectAsync(_options, i, linked.Token).ConfigureAwait(false);
                var loaded = await TracedLoadAsync(connection, Registry.Adapters.Backends.RegistryTracing.Read, linked.Token).ConfigureAwait(false);
                return loaded.Snapshot;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !linked.IsCancellationRequested)
            {
                last = EtcdErrors.Translate(ex, EtcdRegistryOptions.ParseEndpoint(_options.Endpoints[i]), "reading the prefix");
                _metrics.Error();
            }
            finally
            {
                connection?.Dispose();
            }
        }

        throw last!;
    }

    public ValueTask DisposeAsync()
    {
        if (!_disposed.IsCancellationRequested)
        {
            _disposed.Cancel();
            DisposeWriter();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Reads every key under the prefix at one revision, in pages of <see cref="EtcdRegistryOptions.PageSize"/>.</summary>
    internal async Task<LoadResult> LoadAsync(EtcdConnection connection, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await LoadOnceAsync(connection, cancellationToken).ConfigureAwait(false);
                _metrics.RecordSync(started);
                Log.Loaded(_logger, Name, result.Snapshot.InstanceCount, result.Revision, result.Snapshot.Skipped.Count);
                return result;
            }
            catch (RegistryException ex) when (attempt < 3 && ex.InnerException is Grpc.Core.RpcException rpc && EtcdErrors.IsCompacted(rpc))
            {
                Log.ReadCompacted(_logger, Name);
            }
        }
    }

    private async Task<LoadResult> LoadOnceAsync(EtcdConnection connection, CancellationToken cancellationToken)
    {
        var state = new EtcdServiceState();
        var ledger = new EtcdKeyLedger();
        var skipped = new List<SkippedRecord>();
        var rangeEnd = ByteString.CopyFrom(_codec.RangeEnd);
        var key = ByteString.CopyFrom(_codec.PrefixBytes);
        var pageSize = _options.PageSize;
        long revision = 0;
        ulong clusterId = 0;
        ulong raftTerm = 0;
        var pages = 0;
        while (true)
        {
            var request = new RangeRequest
            {
                Key = key,
                RangeEnd = rangeEnd,
                Limit = pageSize,
                Revision = revision,

                // No sort order: etcd returns keys in order anyway, and an explicit sort makes it read the whole
                // range on every page before applying the limit (quadratic over the pages).
            };
            RangeResponse response;
            try
            {
                response = await connection.CallAsync(
                    h => connection.Kv.RangeAsync(request, h, connection.Deadline, cancellationToken).ResponseAsync,
                    "reading the prefix",
                    cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException ex) when (pageSize > 1 && ex.InnerException is Grpc.Core.RpcException rpc && EtcdErrors.IsTooLarge(rpc))
            {
                pageSize = Math.Max(1, pageSize / 4);
                continue;
            }

            pages++;
            if (revision == 0)
            {
                revision = response.Header.Revision;
                clusterId = response.Header.ClusterId;
            }

            raftTerm = Math.Max(raftTerm, response.Header.RaftTerm);
            foreach (var kv in response.Kvs)
            {
                ledger.Put(kv.Key, kv.CreateRevision, kv.ModRevision);
                var decoded = _codec.Decode(kv.Key.Span, kv.Value.Span);
                if (decoded.Instance is not null)
                {
                    state.Put(decoded.Instance);
                    if (decoded.Mismatch is not null)
                    {
                        Log.Mismatch(_logger, Name, EtcdRecordCodec.DisplayKey(kv.Key.Span), decoded.Mismatch);
                    }
                }
                else
                {
                    skipped.Add(Skip(kv.Key.Span, decoded.Error));
                }
            }

            if (!response.More || response.Kvs.Count == 0)
            {
                break;
            }

            var last = response.Kvs[^1].Key.Span;
            var next = new byte[last.Length + 1];
            last.CopyTo(next);
            key = UnsafeByteOperations.UnsafeWrap(next);
        }

        LastLoadPages = pages;
        return new LoadResult(state, state.ToSnapshot(revision, skipped), revision, clusterId) { Ledger = ledger, RaftTerm = raftTerm };
    }

    /// <summary>A record that cannot be used; the watch's publisher logs it once when it reports it.</summary>
    private static SkippedRecord Skip(ReadOnlySpan<byte> key, string? reason) => new(EtcdRecordCodec.DisplayKey(key), reason ?? "invalid record");

    internal sealed record LoadResult(EtcdServiceState State, RegistrySnapshot Snapshot, long Revision, ulong ClusterId)
    {
        /// <summary>The keys read, with their revisions (see <see cref="EtcdKeyLedger"/>).</summary>
        public EtcdKeyLedger Ledger { get; init; } = new();

        /// <summary>The highest raft term seen while reading.</summary>
        public ulong RaftTerm { get; init; }
    }
}
