using k8s.Models;

namespace Registry.Adapters.Kubernetes;

/// <summary>The state of one <see cref="WatchAsync"/>: the view, which streams have listed and which are failing.</summary>
internal sealed partial class KubernetesServiceRegistry
{
    private sealed class WatchSession(KubernetesServiceRegistry owner, int streamCount)
    {
        private readonly KubernetesView _view = new();
        private readonly HashSet<ResourceStream> _listed = [];
        private readonly Dictionary<ResourceStream, StreamMessage.Faulted> _faults = [];
        private readonly Backends.WatchPublisher _publisher = new(owner.Name, owner._logger);
        private RegistryConnectionState _state = RegistryConnectionState.Connecting;
        private string? _error;

        public void Handle(StreamMessage message, List<RegistryEvent> output)
        {
            switch (message)
            {
                case StreamMessage.Listed listed:
                    _faults.Remove(listed.Stream);
                    var relist = !_listed.Add(listed.Stream) || listed.Relist;
                    Report(Replace(_view, listed.Stream, listed.Items), output);
                    if (_publisher.HasSnapshot)
                    {
                        if (relist)
                        {
                            _publisher.PublishSnapshot(_view.Snapshot(), output);
                        }

                        ReportConnected(output);
                    }
                    else if (_listed.Count == streamCount)
                    {
                        ReportConnected(output);
                        _publisher.PublishSnapshot(_view.Snapshot(), output);
                    }

                    break;
                case StreamMessage.Changed changed:
                    var skipped = changed.Item switch
                    {
                        V1EndpointSlice slice => _view.ApplySlice(changed.Deleted, slice),
                        V1Service service => _view.ApplyService(changed.Deleted, service),
                        _ => [],
                    };
                    Report(skipped, output);

                    break;
                case StreamMessage.Faulted faulted:
                    _faults[faulted.Stream] = faulted;
                    var state = _faults.Values.Any(static f => f.Permanent) ? RegistryConnectionState.Failed : RegistryConnectionState.Retrying;
                    if (state != _state || !string.Equals(faulted.Error, _error, StringComparison.Ordinal))
                    {
                        _state = state;
                        _error = faulted.Error;
                        output.Add(new RegistryStateEvent(state, faulted.Error, faulted.RetryIn));
                    }

                    break;
                case StreamMessage.Recovered recovered:
                    _faults.Remove(recovered.Stream);
                    if (_publisher.HasSnapshot)
                    {
                        ReportConnected(output);
                    }

                    break;
                case StreamMessage.Skipped skippedRecord:
                    _publisher.PublishSkipped(skippedRecord.Record, output);
                    break;
            }
        }

        public void Flush(List<RegistryEvent> output)
        {
            if (_publisher.HasSnapshot)
            {
                output.AddRange(_view.Flush());
            }
        }

        private void Report(IReadOnlyList<SkippedRecord> skipped, List<RegistryEvent> output)
        {
            _publisher.PublishSkipped(skipped, output);
        }

        private void ReportConnected(List<RegistryEvent> output)
        {
            if (_faults.Count == 0 && _state != RegistryConnectionState.Connected)
            {
                _state = RegistryConnectionState.Connected;
                _error = null;
                output.Add(new RegistryStateEvent(RegistryConnectionState.Connected));
            }
        }
    }
}
