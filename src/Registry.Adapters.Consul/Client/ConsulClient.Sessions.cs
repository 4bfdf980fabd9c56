using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Adapters.Consul.Client;

// Sessions and KV for the leader election (api-docs/session.mdx, api-docs/kv.mdx).
internal sealed partial class ConsulClient
{
    /// <summary><c>PUT /v1/session/create</c>: the new session's id.</summary>
    public async Task<string> CreateSessionAsync(ConsulSessionCreate session, CancellationToken cancellationToken)
    {
        using var content = JsonContent(JsonSerializer.SerializeToUtf8Bytes(session, ConsulSessionJsonContext.Default.ConsulSessionCreate));
        var response = await SendAsync(HttpMethod.Put, new ConsulUrl("v1/session/create").Add("dc", _settings.Datacenter).ToString(), content, _settings.RequestTimeout, cancellationToken).ConfigureAwait(false);
        var created = Deserialize(response.Body, ConsulSessionJsonContext.Default.ConsulSessionCreated, "PUT /v1/session/create");
        return created?.ID is { Length: > 0 } id ? id : throw new RegistryException($"PUT /v1/session/create to {_settings.DisplayAddress} answered without a session id");
    }

    /// <summary><c>PUT /v1/session/renew/:id</c>: false when the session is gone (404).</summary>
    public async Task<bool> RenewSessionAsync(string id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var url = new ConsulUrl("v1/session/renew/" + Uri.EscapeDataString(id)).Add("dc", _settings.Datacenter);
        var response = await SendAsync(HttpMethod.Put, url.ToString(), null, timeout, cancellationToken, accept: HttpStatusCode.NotFound).ConfigureAwait(false);
        return response.Status != HttpStatusCode.NotFound;
    }

    /// <summary><c>PUT /v1/session/destroy/:id</c>: its keys are released or deleted at once (and put under its lock-delay).</summary>
    public Task DestroySessionAsync(string id, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, new ConsulUrl("v1/session/destroy/" + Uri.EscapeDataString(id)).Add("dc", _settings.Datacenter).ToString(), null, _settings.RequestTimeout, cancellationToken);

    /// <summary><c>PUT /v1/kv/:key?acquire=</c> (or <c>?release=</c>): whether the lock is held (released) now; the value becomes <paramref name="value"/>.</summary>
    public async Task<bool> LockKeyAsync(string key, string session, string value, bool acquire, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(value));
        var url = KvUrl(key).Add(acquire ? "acquire" : "release", session);
        var response = await SendAsync(HttpMethod.Put, url.ToString(), content, _settings.RequestTimeout, cancellationToken).ConfigureAwait(false);
        return Deserialize(response.Body, ConsulSessionJsonContext.Default.Boolean, "PUT /v1/kv");
    }

    /// <summary><c>GET /v1/kv/:key</c> (consistent), blocking from <paramref name="index"/> when it is not 0: the entry (<see langword="null"/> when absent) and the index to block on next.</summary>
    public async Task<(ConsulKvEntry? Entry, ulong Index)> GetKeyAsync(string key, ulong index, CancellationToken cancellationToken)
    {
        var response = await GetAsync(KvPath(key), new ConsulQuery(index, Consistent: true), withTags: false, cancellationToken, accept: HttpStatusCode.NotFound).ConfigureAwait(false);
        var entry = response.Status == HttpStatusCode.NotFound
            ? null
            : Deserialize(response.Body, ConsulSessionJsonContext.Default.ListConsulKvEntry, "GET /v1/kv")?.FirstOrDefault(e => string.Equals(e.Key, key, StringComparison.Ordinal));
        return (entry, ConsulIndex.Next(index, response.Index));
    }

    /// <summary><c>GET /v1/kv/:prefix?recurse</c> (consistent): every entry under the prefix (none when absent).</summary>
    public async Task<IReadOnlyList<ConsulKvEntry>> ListKeysAsync(string prefix, CancellationToken cancellationToken)
    {
        var url = KvPath(prefix) + "?recurse";
        var response = await GetAsync(url, new ConsulQuery(Consistent: true), withTags: false, cancellationToken, accept: HttpStatusCode.NotFound).ConfigureAwait(false);
        return response.Status == HttpStatusCode.NotFound ? [] : Deserialize(response.Body, ConsulSessionJsonContext.Default.ListConsulKvEntry, "GET /v1/kv") ?? [];
    }

    /// <summary>A key's path, every segment escaped (the key passed validation: no empty segment).</summary>
    private static string KvPath(string key) => "v1/kv/" + string.Join('/', key.Split('/').Select(Uri.EscapeDataString));

    private ConsulUrl KvUrl(string key) => new ConsulUrl(KvPath(key)).Add("dc", _settings.Datacenter).Add("ns", _settings.Namespace).Add("partition", _settings.Partition);

    private static ByteArrayContent JsonContent(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        return content;
    }

    private T? Deserialize<T>(byte[] body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(body, typeInfo);
        }
        catch (JsonException ex)
        {
            throw new RegistryException($"{what} to {_settings.DisplayAddress} answered malformed JSON: {ServiceInstanceValidator.Printable(ex.Message, 200)}", ex);
        }
    }
}

#pragma warning disable CA1812 // Instantiated by System.Text.Json.

/// <summary>The body of <c>PUT /v1/session/create</c>.</summary>
internal sealed class ConsulSessionCreate
{
    public required string Name { get; set; }

    /// <summary>A Go duration (<c>"10s"</c>).</summary>
    public required string TTL { get; set; }

    /// <summary><c>delete</c>: the keys the session holds are deleted when it is invalidated.</summary>
    public required string Behavior { get; set; }

    /// <summary>A Go duration; Consul reads one under 1000 (ns) as seconds, so whole units are sent.</summary>
    public required string LockDelay { get; set; }

    /// <summary>Empty: no node checks (the default would be <c>serfHealth</c>).</summary>
    public List<string> NodeChecks { get; set; } = [];

    /// <summary>Empty, for servers before 1.7 that know only <c>Checks</c>.</summary>
    public List<string> Checks { get; set; } = [];
}

/// <summary>The answer of <c>PUT /v1/session/create</c>.</summary>
internal sealed class ConsulSessionCreated
{
    public string? ID { get; set; }
}

/// <summary>A KV entry (<c>GET /v1/kv</c>).</summary>
internal sealed class ConsulKvEntry
{
    public string? Key { get; set; }

    public byte[]? Value { get; set; }

    public string? Session { get; set; }

    public ulong LockIndex { get; set; }

    public ulong ModifyIndex { get; set; }

    /// <summary>The value as UTF-8 text, bounded and printable.</summary>
    public string Text => Value is null ? string.Empty : ServiceInstanceValidator.Printable(Encoding.UTF8.GetString(Value), 200);
}
#pragma warning restore CA1812

/// <summary>Source-generated serialisation of sessions and KV.</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConsulSessionCreate))]
[JsonSerializable(typeof(ConsulSessionCreated))]
[JsonSerializable(typeof(List<ConsulKvEntry>))]
[JsonSerializable(typeof(bool))]
internal sealed partial class ConsulSessionJsonContext : JsonSerializerContext;
