using System.Diagnostics.Metrics;

namespace Registry.Adapters.Sync.Serve;

/// <summary>The serve instruments, on the <c>Registry.Adapters.Sync</c> meter.</summary>
internal sealed class ServeMetrics
{
    /// <summary>The console's meter.</summary>
    public const string MeterName = "Registry.Adapters.Sync";

    private readonly Counter<long> _dropped;
    private readonly Counter<long> _snapshots;

    public ServeMetrics(IMeterFactory factory)
    {
        var meter = factory.Create(MeterName);
        _dropped = meter.CreateCounter<long>("mesh_sync.serve.watch.dropped", "{client}", "/v1/watch clients dropped because they fell behind their event queue.");
        _snapshots = meter.CreateCounter<long>("mesh_sync.serve.watch.resnapshots", "{client}", "/v1/watch resumes whose gap could not be replayed and got a fresh snapshot.");
        Meter = meter;
    }

    public Meter Meter { get; }

    public void Dropped() => _dropped.Add(1);

    public void SnapshotResent() => _snapshots.Add(1);
}
