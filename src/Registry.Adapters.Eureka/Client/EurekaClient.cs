using System.Globalization;
using System.Net;
using System.Text.Json;
using Registry.Adapters.Eureka.Wire;

namespace Registry.Adapters.Eureka.Transport;

/// <summary>
/// A small typed client for Eureka's REST API (<c>{serviceUrl}apps...</c>), JSON only, with failover across the
/// configured service URLs. Application names go into paths upper-cased and escaped; nothing from a server is put in
/// a path without validation by the caller.
/// </summary>
internal sealed class EurekaClient(EurekaTransport transport) : IDisposable
{
    private static readonly HttpStatusCode[] None = [];
    private static readonly HttpStatusCode[] Forbidden = [HttpStatusCode.Forbidden];
    private static readonly HttpStatusCode[] NotFound = [HttpStatusCode.NotFound];

    /// <summary>The transport (failover state).</summary>
    public EurekaTransport Transport => transport;

    /// <summary><c>GET apps</c>: the full registry.</summary>
    public Task<JsonApplications> GetApplicationsAsync(CancellationToken cancellationToken) =>
        transport.SendAsync(HttpMethod.Get, "apps", null, ReadApplicationsAsync, None, cancellationToken);

    /// <summary><c>GET apps/delta</c>; <see langword="null"/> when the server refuses deltas (403: delta disabled or access not yet allowed).</summary>
    public Task<JsonApplications?> GetDeltaAsync(CancellationToken cancellationToken) =>
        transport.SendAsync<JsonApplications?>(
            HttpMethod.Get,
            "apps/delta",
            null,
            async (response, ct) => response.StatusCode == HttpStatusCode.Forbidden ? null : await ReadApplicationsAsync(response, ct).ConfigureAwait(false),
            Forbidden,
            cancellationToken);

    /// <summary><c>POST apps/{APP}</c> with <c>{"instance":{...}}</c>; the server answers 204.</summary>
    public Task RegisterAsync(string app, JsonRegistration instance, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new JsonRegistrationRoot { Instance = instance }, EurekaJsonContext.Default.JsonRegistrationRoot);
        return transport.SendAsync(
            HttpMethod.Post,
            AppPath(app),
            () => new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } },
            static (_, _) => Task.FromResult(true),
            None,
            cancellationToken);
    }

    /// <summary><c>PUT apps/{APP}/{id}?status=..&amp;lastDirtyTimestamp=..</c>; <see langword="false"/> on 404 (the server lost the lease: register again).</summary>
    public Task<bool> RenewAsync(string app, string id, string status, long lastDirtyTimestamp, CancellationToken cancellationToken) =>
        transport.SendAsync(
            HttpMethod.Put,
            $"{InstancePath(app, id)}?status={status}&lastDirtyTimestamp={lastDirtyTimestamp.ToString(CultureInfo.InvariantCulture)}",
            null,
            static (response, _) => Task.FromResult(response.StatusCode != HttpStatusCode.NotFound),
            NotFound,
            cancellationToken);

    /// <summary><c>DELETE apps/{APP}/{id}</c>; <see langword="false"/> on 404.</summary>
    public Task<bool> CancelAsync(string app, string id, CancellationToken cancellationToken) =>
        transport.SendAsync(
            HttpMethod.Delete,
            InstancePath(app, id),
            null,
            static (response, _) => Task.FromResult(response.StatusCode != HttpStatusCode.NotFound),
            NotFound,
            cancellationToken);

    /// <summary><c>PUT apps/{APP}/{id}/status?value=..</c> (an override, e.g. OUT_OF_SERVICE); <see langword="false"/> on 404.</summary>
    public Task<bool> SetStatusOverrideAsync(string app, string id, string status, CancellationToken cancellationToken) =>
        transport.SendAsync(
            HttpMethod.Put,
            $"{InstancePath(app, id)}/status?value={status}",
            null,
            static (response, _) => Task.FromResult(response.StatusCode != HttpStatusCode.NotFound),
            NotFound,
            cancellationToken);

    /// <summary><c>DELETE apps/{APP}/{id}/status?value=..</c>: removes the override, the status becomes <paramref name="status"/>; <see langword="false"/> on 404.</summary>
    public Task<bool> DeleteStatusOverrideAsync(string app, string id, string status, CancellationToken cancellationToken) =>
        transport.SendAsync(
            HttpMethod.Delete,
            $"{InstancePath(app, id)}/status?value={status}",
            null,
            static (response, _) => Task.FromResult(response.StatusCode != HttpStatusCode.NotFound),
            NotFound,
            cancellationToken);

    /// <summary>Parses an <c>apps</c> or <c>apps/delta</c> body.</summary>
    public static async Task<JsonApplications> ParseApplicationsAsync(Stream body, CancellationToken cancellationToken)
    {
        var root = await JsonSerializer.DeserializeAsync(body, EurekaJsonContext.Default.JsonApplicationsRoot, cancellationToken).ConfigureAwait(false);
        return root?.Applications ?? throw new JsonException("the body has no 'applications' object");
    }

    /// <summary>Parses an <c>apps</c> or <c>apps/delta</c> body already in memory.</summary>
    public static JsonApplications ParseApplications(ReadOnlySpan<byte> body) =>
        JsonSerializer.Deserialize(body, EurekaJsonContext.Default.JsonApplicationsRoot)?.Applications
        ?? throw new JsonException("the body has no 'applications' object");

    public void Dispose() => transport.Dispose();

    private async Task<JsonApplications> ReadApplicationsAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // The shared bounded reader: one exact-size array, never a pooled or doubling buffer, and a refused body costs at most the cap.
        var body = await Registry.Adapters.Backends.BoundedBody.ReadAsBytesAsync(response.Content, transport.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
        return ParseApplications(body);
    }

    private static string AppPath(string app) => "apps/" + Uri.EscapeDataString(app.ToUpperInvariant());

    private static string InstancePath(string app, string id) => AppPath(app) + "/" + Uri.EscapeDataString(id);
}
