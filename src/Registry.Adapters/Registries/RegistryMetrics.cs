using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Registry.Adapters;

/// <summary>
/// The instruments every registry backend reports, on the one <c>Registry.Adapters</c> meter, tagged with
/// <c>registry.name</c> and <c>registry.kind</c>: <c>registry.sync.duration</c> (s), <c>registry.errors</c> and
/// <c>registry.resyncs</c>. One definition, so every backend emits the same instrument (name, unit, description).
/// Without an <see cref="IMeterFactory"/> nothing is recorded.
/// </summary>
public sealed class RegistryMetrics
{
    /// <summary>The meter name shared by the catalog and every backend.</summary>
    public const string MeterName = "Registry.Adapters";

    private readonly Histogram<double>? _syncDuration;
    private readonly Counter<long>? _errors;
    private readonly Counter<long>? _resyncs;
    private readonly KeyValuePair<string, object?>[] _tags;

    /// <summary>Creates the instruments of one registry.</summary>
    /// <param name="meterFactory">The application's meter factory, or <see langword="null"/> to record nothing.</param>
    /// <param name="registryName">The registry name (tag <c>registry.name</c>).</param>
    /// <param name="registryKind">The registry kind (tag <c>registry.kind</c>).</param>
    public RegistryMetrics(IMeterFactory? meterFactory, string registryName, string registryKind)
    {
        _tags = [new("registry.name", registryName), new("registry.kind", registryKind)];
        Meter = meterFactory?.Create(MeterName);
        if (Meter is null)
        {
            return;
        }

        _syncDuration = Meter.CreateHistogram<double>("registry.sync.duration", "s", "Duration of one registry read (a full read, a page set or a delta), including applying it.");
        _errors = Meter.CreateCounter<long>("registry.errors", description: "Failed registry reads and watches.");
        _resyncs = Meter.CreateCounter<long>("registry.resyncs", description: "Full re-reads the backend forced (compaction, 410 Gone, hash mismatch, index reset).");
    }

    /// <summary>The shared meter, for a backend's own instruments; <see langword="null"/> without a meter factory.</summary>
    public Meter? Meter { get; }

    /// <summary>The registry's tags plus one more, for a backend's own instruments or a tagged record.</summary>
    /// <param name="key">The extra tag's key (<c>k8s.resource</c>).</param>
    /// <param name="value">The extra tag's value.</param>
    /// <returns>The tags.</returns>
    public TagList Tags(string key, object? value) => new(_tags) { { key, value } };

    /// <summary>Records the duration of one read since <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    /// <param name="startTimestamp">When the read started.</param>
    public void RecordSync(long startTimestamp) => _syncDuration?.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, _tags);

    /// <summary>Records the duration of one read, with an extra tag.</summary>
    /// <param name="duration">The duration.</param>
    /// <param name="tags">The tags, from <see cref="Tags"/>.</param>
    public void RecordSync(TimeSpan duration, in TagList tags) => _syncDuration?.Record(duration.TotalSeconds, tags);

    /// <summary>Counts one failed read or watch.</summary>
    public void Error() => _errors?.Add(1, _tags);

    /// <summary>Counts one failed read or watch, with an extra tag.</summary>
    /// <param name="tags">The tags, from <see cref="Tags"/>.</param>
    public void Error(in TagList tags) => _errors?.Add(1, tags);

    /// <summary>Counts one forced full re-read.</summary>
    public void Resync() => _resyncs?.Add(1, _tags);

    /// <summary>Counts one forced full re-read, with an extra tag.</summary>
    /// <param name="tags">The tags, from <see cref="Tags"/>.</param>
    public void Resync(in TagList tags) => _resyncs?.Add(1, tags);
}
