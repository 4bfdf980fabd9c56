using System.Globalization;
using System.Threading.Channels;
using Mvccpb;

namespace Registry.Adapters.Etcd;

internal sealed partial class EtcdServiceRegistry
{
    private async Task ApplyAsync(Google.Protobuf.Collections.RepeatedField<Event> events, WatchCursor cursor, ChannelWriter<RegistryEvent> writer, CancellationToken cancellationToken)
    {
        var state = cursor.State!;
        var touched = new SortedSet<string>(StringComparer.Ordinal);
        var i = 0;
        while (i < events.Count)
        {
            var revision = events[i].Kv.ModRevision;
            for (; i < events.Count && events[i].Kv.ModRevision == revision; i++)
            {
                if (revision <= cursor.Revision)
                {
                    continue;
                }

                var item = events[i];
                if (item.Type == Event.Types.EventType.Delete)
                {
                    cursor.Ledger.Remove(item.Kv.Key);
                    if (_codec.ParseKey(item.Kv.Key.Span, out var service, out var id) is null && state.Remove(service!, id!))
                    {
                        touched.Add(service!);
                    }

                    continue;
                }

                cursor.Ledger.Put(item.Kv.Key, item.Kv.CreateRevision, item.Kv.ModRevision);
                var decoded = _codec.Decode(item.Kv.Key.Span, item.Kv.Value.Span);
                if (decoded.Instance is not null)
                {
                    if (decoded.Mismatch is not null)
                    {
                        Log.Mismatch(_logger, Name, EtcdRecordCodec.DisplayKey(item.Kv.Key.Span), decoded.Mismatch);
                    }

                    if (state.Put(decoded.Instance))
                    {
                        touched.Add(decoded.Instance.Service);
                    }
                }
                else
                {
                    if (decoded.Service is not null && state.Remove(decoded.Service, decoded.Id!))
                    {
                        touched.Add(decoded.Service);
                    }

                    await writer.WriteAsync(new RecordSkippedEvent(Skip(item.Kv.Key.Span, decoded.Error)), cancellationToken).ConfigureAwait(false);
                }
            }

            if (revision <= cursor.Revision)
            {
                continue;
            }

            cursor.Revision = revision;
            var text = revision.ToString(CultureInfo.InvariantCulture);
            foreach (var service in touched)
            {
                await writer.WriteAsync(new ServiceChangedEvent(service, state.Get(service), text), cancellationToken).ConfigureAwait(false);
            }

            touched.Clear();
        }
    }

    /// <summary>Where a watch stands: its state, the last applied revision, the cluster it came from.</summary>
    private sealed class WatchCursor(RetryBackoff backoff)
    {
        public RetryBackoff Backoff { get; } = backoff;

        public EtcdServiceState? State { get; set; }

        public long Revision { get; set; }

        public ulong ClusterId { get; set; }

        /// <summary>The highest raft term seen: terms never go back within one cluster's life.</summary>
        public ulong RaftTerm { get; set; }

        /// <summary>The keys as of <see cref="Revision"/>.</summary>
        public EtcdKeyLedger Ledger { get; set; } = new();

        public bool Resync { get; set; }

        public bool Connected { get; set; }
    }
}
