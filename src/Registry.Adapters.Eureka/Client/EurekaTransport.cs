using System.Globalization;
using System.Net;
using Registry.Adapters.Backends;

namespace Registry.Adapters.Eureka.Transport;

/// <summary>
/// Sends one logical Eureka request to the configured servers with failover: the current server first, then the
/// others in configured order, servers that failed recently last. A working server is kept ("sticky"); after
/// <see cref="EurekaRegistryOptions.FailbackAfter"/> on a later server, the first one is tried again.
/// </summary>
internal sealed class EurekaTransport : IDisposable
{
    private readonly EurekaEndpoint[] _endpoints;
    private readonly long[] _failedAt;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly TimeSpan _failbackAfter;
    private readonly Lock _gate = new();
    private readonly PemTls? _tls;
    private int _current;
    private long _switchedAt;

    public EurekaTransport(EurekaRegistryOptions options, TimeProvider time)
    {
        _endpoints = [.. options.ServiceUrls.Select(EurekaEndpoint.Parse)];
        _failedAt = new long[_endpoints.Length];
        Array.Fill(_failedAt, long.MinValue);
        _time = time;
        MaxResponseBytes = options.MaxResponseBytes;
        _failbackAfter = options.FailbackAfter;
        // Every request goes through the shared guard: time to headers, time between body bytes, and the inflated size cap.
        // Like the request timeout below, the guard runs on the system clock: the fetch schedule's clock never stalls a request.
        var limits = new HttpLimits { HeadersTimeout = options.RequestTimeout, BodyIdleTimeout = options.BodyIdleTimeout, MaxResponseBytes = options.MaxResponseBytes };
        if (options.HttpMessageHandler is { } handler)
        {
            _http = new HttpClient(new GuardedHttpHandler(handler, limits, TimeProvider.System), disposeHandler: false);
        }
        else
        {
            var sockets = BackendSockets.CreateHandler(DecompressionMethods.GZip);
            _tls = PemTls.Load(options.CaFile, options.ClientCertificateFile, options.ClientKeyFile);
            _tls?.ApplyTo(sockets.SslOptions);
            _http = new HttpClient(new GuardedHttpHandler(sockets, limits, TimeProvider.System), disposeHandler: true);
        }

        _http.Timeout = options.RequestTimeout;
    }

    /// <summary>The largest response body read (<see cref="EurekaRegistryOptions.MaxResponseBytes"/>).</summary>
    public long MaxResponseBytes { get; }

    /// <summary>The endpoints, in configured order.</summary>
    public IReadOnlyList<EurekaEndpoint> Endpoints => _endpoints;

    /// <summary>The index of the server requests go to first.</summary>
    public int Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="method"/> <paramref name="path"/> (relative to the base URL, already escaped) to each server
    /// in failover order until one answers with success or with one of <paramref name="passThrough"/>;
    /// <paramref name="read"/> then turns the response into a result (an exception from it counts as that server
    /// failing: a cut-short or malformed body).
    /// </summary>
    public async Task<T> SendAsync<T>(
        HttpMethod method,
        string path,
        Func<HttpContent>? content,
        Func<HttpResponseMessage, CancellationToken, Task<T>> read,
        HttpStatusCode[] passThrough,
        CancellationToken cancellationToken)
    {
        var order = Order();
        var errors = new List<string>(order.Length);
        var permanent = true;
        foreach (var index in order)
        {
            var endpoint = _endpoints[index];
            using var request = new HttpRequestMessage(method, new Uri(endpoint.BaseUri, path)) { Content = content?.Invoke() };
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Authorization = endpoint.Authorization;
            var what = $"{method} {endpoint.Display}{StripQuery(path)}";
            try
            {
                // HttpClient.Timeout stops at the headers; this bounds reading the body too (a stalled body fails over).
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_http.Timeout);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode || Array.IndexOf(passThrough, response.StatusCode) >= 0)
                {
                    var result = await read(response, timeout.Token).ConfigureAwait(false);
                    Succeeded(index);
                    return result;
                }

                permanent &= response.StatusCode == HttpStatusCode.Unauthorized;
                errors.Add($"{what}: {((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)} {(response.ReasonPhrase is null ? string.Empty : SecretScrubber.ScrubPrintable(response.ReasonPhrase, 64))}");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or System.Text.Json.JsonException or InvalidDataException)
            {
                permanent = false;
                errors.Add($"{what}: {SecretScrubber.Scrub(Describe(ex))}");
            }

            Failed(index);
        }

        throw new RegistryException(string.Join("; ", errors)) { IsPermanent = permanent };
    }

    public void Dispose()
    {
        _http.Dispose();
        _tls?.Dispose();
    }

    private static string Describe(Exception ex) => ex switch
    {
        OperationCanceledException => "timed out",
        System.Text.Json.JsonException json => $"malformed JSON ({json.Message.Split('.')[0]})",
        _ => ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message,
    };

    private static string StripQuery(string path)
    {
        var query = path.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? path : path[..query];
    }

    private int[] Order()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            if (_current != 0 && _time.GetElapsedTime(_switchedAt, now) >= _failbackAfter)
            {
                _current = 0;
            }

            var order = new List<int>(_endpoints.Length) { _current };
            var quarantined = new List<int>();
            for (var i = 0; i < _endpoints.Length; i++)
            {
                if (i == _current)
                {
                    continue;
                }

                var recentlyFailed = _failedAt[i] != long.MinValue && _time.GetElapsedTime(_failedAt[i], now) < _failbackAfter;
                (recentlyFailed ? quarantined : order).Add(i);
            }

            order.AddRange(quarantined);
            return [.. order];
        }
    }

    private void Succeeded(int index)
    {
        lock (_gate)
        {
            _failedAt[index] = long.MinValue;
            if (index != _current)
            {
                _current = index;
                _switchedAt = _time.GetTimestamp();
            }
        }
    }

    private void Failed(int index)
    {
        lock (_gate)
        {
            _failedAt[index] = _time.GetTimestamp();
        }
    }
}
