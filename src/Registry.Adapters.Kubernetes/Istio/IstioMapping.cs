using System.Text.Json.Nodes;

namespace Registry.Adapters.Kubernetes.Istio;

/// <summary>The Istio objects of one mesh service.</summary>
/// <param name="Service">The mesh service name.</param>
/// <param name="ServiceEntry">The <c>ServiceEntry</c> (apiVersion, kind, metadata, spec), or <see langword="null"/> when the whole service was skipped.</param>
/// <param name="WorkloadEntries">Standalone <c>WorkloadEntry</c> objects, when the endpoints are not inline.</param>
/// <param name="Skipped">What was left out, and why.</param>
public sealed record IstioMapping(
    string Service,
    JsonObject? ServiceEntry,
    IReadOnlyList<JsonObject> WorkloadEntries,
    IReadOnlyList<IstioSkip> Skipped)
{
    /// <summary>Every object: the ServiceEntry first, then its WorkloadEntries.</summary>
    public IEnumerable<JsonObject> Objects => ServiceEntry is null ? [] : [ServiceEntry, .. WorkloadEntries];
}

/// <summary>A part of a mesh service that could not be mapped (a hostile name, an invalid label, a port conflict).</summary>
/// <param name="Service">The mesh service.</param>
/// <param name="What">What was left out: <c>service</c>, <c>instance consul/orders-1</c>, <c>label …</c>, <c>port …</c>.</param>
/// <param name="Reason">Why, in a form fit for a log line (values printable and bounded).</param>
public sealed record IstioSkip(string Service, string What, string Reason);
