using Registry.Adapters.Backends;

namespace Registry.Adapters.Consul.Client;

/// <summary>Builds the HTTP handler: sockets with the configured TLS trust and client certificate.</summary>
internal static class ConsulHttp
{
    /// <summary>
    /// The sockets (or the test's handler) behind the shared <see cref="GuardedHttpHandler"/>: time to headers is the
    /// request's budget (a blocking query's wait included), time between body bytes is <see cref="ConsulSettings.BodyIdleTimeout"/>,
    /// bodies are capped at <see cref="ConsulSettings.MaxResponseBytes"/>.
    /// </summary>
    public static HttpMessageHandler CreateHandler(ConsulSettings settings, TimeProvider time)
    {
        var limits = new HttpLimits
        {
            HeadersTimeout = settings.RequestTimeout,
            BodyIdleTimeout = settings.BodyIdleTimeout,
            MaxResponseBytes = settings.MaxResponseBytes,
        };
        return new GuardedHttpHandler(settings.HttpMessageHandlerFactory is { } factory ? factory() : CreateSockets(settings), limits, time);
    }

    private static SocketsHttpHandler CreateSockets(ConsulSettings settings)
    {
        var handler = BackendSockets.CreateHandler();
        handler.PooledConnectionLifetime = TimeSpan.FromMinutes(10);

        // The certificates live as long as the handler (the client's lifetime); the handler does not own them.
        PemTls.Load(settings.CaFile, settings.ClientCertificateFile, settings.ClientKeyFile)?.ApplyTo(handler.SslOptions);
        return handler;
    }
}
