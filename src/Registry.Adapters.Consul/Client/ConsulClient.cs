using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Consul.Client;

/// <summary>
/// A small typed client for the parts of Consul's HTTP API the adapter uses. The token travels only in the
/// <c>X-Consul-Token</c> header; error messages carry the method, the path and the status, never the token.
/// </summary>
internal sealed partial class ConsulClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;
    private readonly ConsulSettings _settings;
    private readonly ConsulTokenSource _tokens;
    private readonly TimeProvider _time;

    public ConsulClient(ConsulSettings settings, ConsulTokenSource tokens, TimeProvider time)
    {
        _settings = settings;
        _tokens = tokens;
        _time = time;
        _http = new HttpClient(ConsulHttp.CreateHandler(settings, time), disposeHandler: true)
        {
            BaseAddress = settings.BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public ConsulSettings Settings => _settings;

    /// <summary><c>GET /v1/catalog/services</c>: service name → union of its tags.</summary>
    public Task<ConsulResponse> GetCatalogServicesAsync(ConsulQuery query, CancellationToken cancellationToken) =>
        GetAsync("v1/catalog/services", query, withTags: false, cancellationToken);

    /// <summary><c>GET /v1/health/service/:name</c> with every status (health is mapped, not filtered); the name passed validation.</summary>
    public Task<ConsulResponse> GetHealthServiceAsync(string service, ConsulQuery query, CancellationToken cancellationToken) =>
        GetAsync("v1/health/service/" + Uri.EscapeDataString(service), query, withTags: true, cancellationToken);

    /// <summary><c>GET /v1/agent/service/:id</c>; a 404 means the agent does not have the service.</summary>
    public Task<ConsulResponse> GetAgentServiceAsync(string serviceId, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, Scoped("v1/agent/service/" + Uri.EscapeDataString(serviceId)).ToString(), null, _settings.RequestTimeout, cancellationToken);

    /// <summary><c>PUT /v1/agent/service/register?replace-existing-checks=true</c>.</summary>
    public Task RegisterAsync(ConsulRegisterRequest registration, CancellationToken cancellationToken) =>
        PutAsync(new ConsulUrl("v1/agent/service/register").Flag("replace-existing-checks", "true").ToString(), registration, ConsulJsonContext.Default.ConsulRegisterRequest, cancellationToken);

    /// <summary><c>PUT /v1/agent/service/deregister/:id</c> (PUT, not DELETE).</summary>
    public Task DeregisterAsync(string serviceId, CancellationToken cancellationToken) =>
        PutAsync<ConsulCheckUpdate>(Scoped("v1/agent/service/deregister/" + Uri.EscapeDataString(serviceId)).ToString(), null, null, cancellationToken);

    /// <summary><c>PUT /v1/agent/check/update/:id</c> with a status and output; resets the TTL clock.</summary>
    public Task UpdateCheckAsync(string checkId, string status, string output, CancellationToken cancellationToken) =>
        PutAsync(
            Scoped("v1/agent/check/update/" + Uri.EscapeDataString(checkId)).ToString(),
            new ConsulCheckUpdate { Status = status, Output = output },
            ConsulJsonContext.Default.ConsulCheckUpdate,
            cancellationToken);

    /// <summary><c>PUT /v1/agent/service/maintenance/:id?enable=…&amp;reason=…</c>.</summary>
    public Task SetMaintenanceAsync(string serviceId, bool enable, string reason, CancellationToken cancellationToken) =>
        PutAsync<ConsulCheckUpdate>(
            Scoped("v1/agent/service/maintenance/" + Uri.EscapeDataString(serviceId)).Add("enable", enable ? "true" : "false").Add("reason", reason).ToString(),
            null,
            null,
            cancellationToken);

    /// <summary><c>GET /v1/catalog/node/:node</c> (consistent): the node and its services; <c>null</c> for an unknown node.</summary>
    public Task<ConsulResponse> GetCatalogNodeAsync(string node, CancellationToken cancellationToken) =>
        GetAsync("v1/catalog/node/" + Uri.EscapeDataString(node), new ConsulQuery(Consistent: true), withTags: false, cancellationToken);

    /// <summary><c>GET /v1/health/node/:node</c> (consistent): every check of the node.</summary>
    public Task<ConsulResponse> GetHealthNodeAsync(string node, CancellationToken cancellationToken) =>
        GetAsync("v1/health/node/" + Uri.EscapeDataString(node), new ConsulQuery(Consistent: true), withTags: false, cancellationToken);

    /// <summary>
    /// <c>PUT /v1/txn</c>: the operations (a JSON array, <see cref="ConsulTxnBody"/>) applied atomically. A rolled-back
    /// transaction answers 409 with its errors, returned here (<see cref="ConsulResponse.Status"/>) rather than thrown.
    /// </summary>
    public async Task<ConsulResponse> TxnAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = Json;
        var url = new ConsulUrl("v1/txn").Add("dc", _settings.Datacenter);
        return await SendAsync(HttpMethod.Put, url.ToString(), content, _settings.RequestTimeout, cancellationToken, accept: HttpStatusCode.Conflict).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    private Task<ConsulResponse> GetAsync(string path, ConsulQuery query, bool withTags, CancellationToken cancellationToken, HttpStatusCode? accept = null)
    {
        var url = new ConsulUrl(path).Add("dc", _settings.Datacenter).Add("ns", _settings.Namespace).Add("partition", _settings.Partition);
        if (withTags)
        {
            foreach (var tag in _settings.TagFilter)
            {
                url.Add("tag", tag);
            }
        }

        var timeout = _settings.RequestTimeout;
        HttpLimits? limits = null;
        if (query.Index > 0)
        {
            // Consul holds up to `wait` plus a jitter of wait/16; allow for both before giving up.
            url.Add("index", query.Index.ToString(CultureInfo.InvariantCulture))
                .Add("wait", ((long)Math.Ceiling(_settings.Wait.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms");
            timeout = _settings.Wait + (_settings.Wait / 16) + _settings.RequestTimeout;

            // Consul answers a blocking query's headers only when it returns: the wait stretches the time to headers,
            // never the time between body bytes.
            limits = new HttpLimits { HeadersTimeout = timeout, BodyIdleTimeout = _settings.BodyIdleTimeout, MaxResponseBytes = _settings.MaxResponseBytes };
        }

        if (query.Consistent)
        {
            url.Flag("consistent");
        }
        else if (_settings.AllowStale)
        {
            url.Flag("stale");
        }

        return SendAsync(HttpMethod.Get, url.ToString(), null, timeout, cancellationToken, limits, accept);
    }

    private ConsulUrl Scoped(string path) => new ConsulUrl(path).Add("ns", _settings.Namespace).Add("partition", _settings.Partition);

    private async Task PutAsync<T>(string path, T? body, JsonTypeInfo<T>? typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        HttpContent? content = null;
        if (body is not null && typeInfo is not null)
        {
            content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, typeInfo));
            content.Headers.ContentType = Json;
        }

        using (content)
        {
            await SendAsync(HttpMethod.Put, path, content, _settings.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ConsulResponse> SendAsync(HttpMethod method, string pathAndQuery, HttpContent? content, TimeSpan timeout, CancellationToken cancellationToken, HttpLimits? limits = null, HttpStatusCode? accept = null)
    {
        var query = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var display = $"{method} /{(query < 0 ? pathAndQuery : pathAndQuery[..query])}";
        using var request = new HttpRequestMessage(method, new Uri(pathAndQuery, UriKind.Relative)) { Content = content };
        limits?.ApplyTo(request);
        var token = _tokens.Current;
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Consul-Token", token);
        }

        using var timeoutSource = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var body = await BoundedBody.ReadAsBytesAsync(response.Content, _settings.MaxResponseBytes, linked.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode && response.StatusCode != accept)
            {
                var text = ServiceInstanceValidator.Printable(Scrub(Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 4096)), token), 200);
                var reason = response.ReasonPhrase is null ? string.Empty : ServiceInstanceValidator.Printable(Scrub(response.ReasonPhrase, token), 64);
                var status = (int)response.StatusCode;
                throw new ConsulHttpException($"{display} to {_settings.DisplayAddress} failed: {status.ToString(CultureInfo.InvariantCulture)} {reason}: {text}", response.StatusCode, text)
                {
                    IsPermanent = response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized,
                };
            }

            return new ConsulResponse(body, ParseIndex(response), HeaderIs(response, "X-Consul-KnownLeader", "true")) { Status = response.StatusCode };
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RegistryException($"{display} to {_settings.DisplayAddress} timed out after {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s", ex);
        }
        catch (HttpResponseTooLargeException ex)
        {
            throw new RegistryException($"{display} to {_settings.DisplayAddress} failed: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new RegistryException($"{display} to {_settings.DisplayAddress} failed: {Scrub(ex.Message, token)}", ex);
        }
    }

    private static string Scrub(string text, string? token) =>
        SecretScrubber.Scrub(string.IsNullOrEmpty(token) ? text : text.Replace(token, SecretScrubber.Mask, StringComparison.Ordinal));

    private static ulong ParseIndex(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Consul-Index", out var values)
            && ulong.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? index
            : 0;

    private static bool HeaderIs(HttpResponseMessage response, string name, string value) =>
        response.Headers.TryGetValues(name, out var values) && string.Equals(values.FirstOrDefault(), value, StringComparison.OrdinalIgnoreCase);
}
