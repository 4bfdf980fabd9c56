using System.Globalization;
using System.Threading.Channels;
using Mvccpb;
using Registry.Adapters.Backends;

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

                    cursor.Publisher.PublishSkipped(Skip(item.Kv.Key.Span, decoded.Error), cursor.Pending);
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
                cursor.Publisher.PublishService(service, state.Get(service), text, cursor.Pending);
            }

            touched.Clear();
            await cursor.FlushAsync(writer, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Where a watch stands: its state, the last applied revision, the cluster it came from, what it published.</summary>
    private sealed class WatchCursor(RetryBackoff backoff, WatchPublisher publisher)
    {
        public RetryBackoff Backoff { get; } = backoff;

        /// <summary>Turns what the watch found into events (snapshot, real changes, each skipped record once, state transitions).</summary>
        public WatchPublisher Publisher { get; } = publisher;

        /// <summary>Events published and not yet written to the channel.</summary>
        public List<RegistryEvent> Pending { get; } = [];

        public EtcdServiceState? State { get; set; }

        public long Revision { get; set; }

        public ulong ClusterId { get; set; }

        /// <summary>The highest raft term seen: terms never go back within one cluster's life.</summary>
        public ulong RaftTerm { get; set; }

        /// <summary>The keys as of <see cref="Revision"/>.</summary>
        public EtcdKeyLedger Ledger { get; set; } = new();

        public bool Resync { get; set; }

        /// <summary>Writes the pending events to the watch's channel, in order.</summary>
        public async ValueTask FlushAsync(ChannelWriter<RegistryEvent> writer, CancellationToken cancellationToken)
        {
            foreach (var item in Pending)
            {
                await writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
            }

            Pending.Clear();
        }
    }
}
