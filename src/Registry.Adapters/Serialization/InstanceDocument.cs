using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json.Serialization;
using Registry.Adapters.Sync;

namespace Registry.Adapters.Serialization;

/// <summary>
/// One instance in its one JSON shape: an <c>instances[]</c> item of <c>mesh-sync list --output json</c>, an instance of
/// a catalog file (the File registry), and the value of etcd's <c>mesh</c> format (without <see cref="Registry"/> and
/// <see cref="Stale"/>). Every reader and writer of that shape goes through this type and <see cref="InstanceJson"/>,
/// so they cannot drift apart. Property names are fixed (camelCase) whatever the serializer's naming policy.
/// </summary>
public sealed class InstanceDocument
{
    /// <summary>The registry the instance came from; written by the catalog, ignored when read. <value>The default value is <see langword="null"/>: not written.</value></summary>
    [JsonPropertyName("registry")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Registry { get; set; }

    /// <summary>The service name as the source spells it. <value>The default value is <see langword="null"/>: the enclosing name (a <c>services[]</c> item's, an etcd key's).</value></summary>
    [JsonPropertyName("service")]
    public string? Service { get; set; }

    /// <summary>The instance id. <value>The default value is <see langword="null"/>: the enclosing id (an etcd key's).</value></summary>
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    /// <summary>The host. Required when read. <value>The default value is <see langword="null"/>.</value></summary>
    [JsonPropertyName("host")]
    public string? Host { get; set; }

    /// <summary>The named ports. <value>The default value is <see langword="null"/>: none.</value></summary>
    [JsonPropertyName("ports")]
    public List<InstancePortDocument>? Ports { get; set; }

    /// <summary><c>healthy</c>, <c>unhealthy</c>, <c>starting</c>, <c>draining</c> or <c>unknown</c> (any case). <value>The default value is <see langword="null"/>: healthy.</value></summary>
    [JsonPropertyName("health")]
    public string? Health { get; set; }

    /// <summary>The zone. <value>The default value is <see langword="null"/>.</value></summary>
    [JsonPropertyName("zone")]
    public string? Zone { get; set; }

    /// <summary>The tags. <value>The default value is <see langword="null"/>: none.</value></summary>
    [JsonPropertyName("tags")]
    public List<string>? Tags { get; set; }

    /// <summary>The metadata, written sorted by key. <value>The default value is <see langword="null"/>: none.</value></summary>
    [JsonPropertyName("metadata")]
    public Dictionary<string, string>? Metadata { get; set; }

    /// <summary>Whether the catalog serves the instance from a failing registry's last good data; written by the catalog, ignored when read. <value>The default value is <see langword="null"/>: not written.</value></summary>
    [JsonPropertyName("stale")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Stale { get; set; }

    /// <summary>The document of an instance.</summary>
    /// <param name="instance">The instance.</param>
    /// <param name="registry">The registry it came from, or <see langword="null"/> to leave <c>registry</c> out.</param>
    /// <param name="stale">Whether it is stale, or <see langword="null"/> to leave <c>stale</c> out.</param>
    /// <returns>The document: every field written (zone <see langword="null"/>, tags and metadata empty when the instance has none).</returns>
    public static InstanceDocument From(ServiceInstance instance, string? registry = null, bool? stale = null)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var metadata = new Dictionary<string, string>(instance.Metadata.Count, StringComparer.Ordinal);
        foreach (var (key, value) in instance.Metadata.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            metadata[key] = value;
        }

        return new InstanceDocument
        {
            Registry = registry,
            Service = instance.Service,
            Id = instance.Id,
            Host = instance.Host,
            Ports = [.. instance.Ports.Select(static p => new InstancePortDocument { Name = p.Name, Port = p.Port, Protocol = p.Protocol })],
            Health = InstanceJson.HealthName(instance.Health),
            Zone = instance.Zone,
            Tags = [.. instance.Tags],
            Metadata = metadata,
            Stale = stale,
        };
    }

    /// <summary>
    /// The instance this document describes, checked by <see cref="ServiceInstanceValidator.Validate"/>. A missing
    /// <c>service</c> or <c>id</c> is taken from the enclosing names; <c>registry</c> and <c>stale</c> are ignored.
    /// </summary>
    /// <param name="service">The enclosing service name, used when <see cref="Service"/> is empty.</param>
    /// <param name="id">The enclosing id, used when <see cref="Id"/> is empty.</param>
    /// <param name="instance">The instance, when valid.</param>
    /// <param name="error">Why the document is not a valid instance, printable.</param>
    /// <returns><see langword="true"/> when the document is a valid instance.</returns>
    public bool TryToInstance(string? service, string? id, [NotNullWhen(true)] out ServiceInstance? instance, [NotNullWhen(false)] out string? error)
    {
        instance = null;
        if (Host is null)
        {
            error = "the instance has no 'host'";
            return false;
        }

        if (!InstanceJson.TryParseHealth(Health, out var health))
        {
            error = $"the instance has an unknown health '{ServiceInstanceValidator.Printable(Health, 32)}' (use healthy, unhealthy, starting, draining or unknown)";
            return false;
        }

        // A JSON null inside an array or object arrives as null whatever the annotations say: check each.
        var ports = Ports is { Count: > 0 } list ? new ServicePort[list.Count] : [];
        for (var i = 0; i < ports.Length; i++)
        {
            if (Ports![i] is not { } port)
            {
                error = "the instance has a null port";
                return false;
            }

            if (port.Port is < ServicePort.MinPort or > ServicePort.MaxPort)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"port {port.Port} is out of range {ServicePort.MinPort}-{ServicePort.MaxPort}");
                return false;
            }

            ports[i] = new ServicePort(port.Name ?? "", (int)port.Port, string.IsNullOrEmpty(port.Protocol) ? "tcp" : port.Protocol);
        }

        if (Tags?.Any(static t => t is null) == true || Metadata?.Values.Any(static v => v is null) == true)
        {
            error = "the instance has a null tag or metadata value";
            return false;
        }

        var candidate = new ServiceInstance
        {
            Service = string.IsNullOrEmpty(Service) ? service ?? "" : Service,
            Id = string.IsNullOrEmpty(Id) ? id ?? "" : Id,
            Host = Host,
            Ports = SealedList<ServicePort>.Own(ports),
            Health = health,
            Zone = Zone,
            Tags = Tags is { Count: > 0 } tags ? SealedList<string>.Own([.. tags]) : [],
            Metadata = Metadata is { Count: > 0 } metadata
                ? SealedMetadata.Own(new Dictionary<string, string>(metadata, StringComparer.Ordinal))
                : SealedMetadata.None,
        };
        error = ServiceInstanceValidator.Validate(candidate);
        if (error is not null)
        {
            return false;
        }

        instance = candidate;
        return true;
    }
}

/// <summary>One <c>ports[]</c> item of an <see cref="InstanceDocument"/>.</summary>
public sealed class InstancePortDocument
{
    /// <summary>The port's name (<c>http</c>). <value>The default value is <see langword="null"/>: unnamed.</value></summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>The port number. Read as a 64-bit integer (strictly: a string is an error), so that an out-of-range port skips its record. <value>The default value is 0.</value></summary>
    [JsonPropertyName("port")]
    [JsonNumberHandling(JsonNumberHandling.Strict)]
    public long Port { get; set; }

    /// <summary>The protocol (<c>http</c>, <c>grpc</c>, <c>tcp</c>). <value>The default value is <see langword="null"/>: <c>tcp</c>.</value></summary>
    [JsonPropertyName("protocol")]
    public string? Protocol { get; set; }
}
