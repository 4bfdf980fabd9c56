using BenchmarkDotNet.Attributes;
using k8s;
using k8s.Models;
using Registry.Adapters.Kubernetes;
using Registry.Adapters.Kubernetes.Tests;

namespace Registry.Adapters.Benchmarks.Kubernetes;

/// <summary>
/// CPU time and allocations of one EndpointSlice watch event for a service of <see cref="Endpoints"/> endpoints:
/// <see cref="Apply"/> maps the changed slice, merges the service and diffs it against what was published;
/// <see cref="DeserializeAndApply"/> adds what KubernetesClient does per line first (it parses each line twice:
/// once to look for a Status, once typed).
/// </summary>
[MemoryDiagnoser]
public class KubernetesSliceEventBenchmarks
{
    private KubernetesView _view = null!;
    private V1EndpointSlice[] _versions = null!;
    private string[] _lines = null!;
    private int _next;

    public static IEnumerable<int> EndpointCounts => BenchmarkSettings.Sizes(200, 10_000);

    /// <summary>Endpoints of the service.</summary>
    [ParamsSource(nameof(EndpointCounts))]
    public int Endpoints { get; set; }

    /// <summary>Endpoints per slice (the controller's default is 100; 1000 is the maximum).</summary>
    [Params(100, 1000)]
    public int PerSlice { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _view = new KubernetesView();
        _view.ApplyService(false, K8sObjects.Service("shop", "big", new Dictionary<string, string> { ["app"] = "big", ["team"] = "payments" }, ports: [("http", 80)]));
        var slices = Math.Max(1, Endpoints / PerSlice);
        for (var s = 0; s < slices; s++)
        {
            _view.ApplySlice(false, Stamp(Slice(s, healthy: true), s + 1));
        }

        _view.Flush();
        _versions = [Stamp(Slice(0, healthy: false), 100_000), Stamp(Slice(0, healthy: true), 100_001)];
        _lines = [.. _versions.Select(v => KubernetesJson.Serialize(new Watcher<V1EndpointSlice>.WatchEvent { Type = WatchEventType.Modified, Object = v }))];
    }

    /// <summary>One MODIFIED slice (every endpoint's readiness flips): map, merge, diff.</summary>
    [Benchmark(Baseline = true)]
    public int Apply()
    {
        var slice = _versions[_next++ & 1];
        _view.ApplySlice(false, slice);
        return _view.Flush().Count;
    }

    /// <summary>The same, from the watch line: the client's two parses, then map, merge, diff.</summary>
    [Benchmark]
    public int DeserializeAndApply()
    {
        var line = _lines[_next++ & 1];
        var generic = KubernetesJson.Deserialize<Watcher<KubernetesObject>.WatchEvent>(line);
        if (generic.Object.Kind == "Status")
        {
            return -1;
        }

        var typed = KubernetesJson.Deserialize<Watcher<V1EndpointSlice>.WatchEvent>(line);
        _view.ApplySlice(false, typed.Object);
        return _view.Flush().Count;
    }

    private V1EndpointSlice Slice(int s, bool healthy)
    {
        var endpoints = Enumerable.Range(0, Math.Min(PerSlice, Endpoints)).Select(i =>
        {
            var n = (s * PerSlice) + i;
            return new Ep($"10.{n / 62500}.{n / 250 % 250}.{(n % 250) + 1}", $"big-{n}", Ready: healthy, Serving: true, Terminating: !healthy, Zone: $"zone-{n % 3}", Node: $"node-{n % 50}");
        });
        return K8sObjects.Slice("shop", "big", $"big-{s}", endpoints, ("http", 8080, "http"), ("grpc", 9090, null));
    }

    private static V1EndpointSlice Stamp(V1EndpointSlice slice, int version)
    {
        slice.Kind = "EndpointSlice";
        slice.ApiVersion = "discovery.k8s.io/v1";
        slice.Metadata.ResourceVersion = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return slice;
    }
}
