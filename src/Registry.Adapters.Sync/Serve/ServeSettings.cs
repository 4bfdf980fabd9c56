namespace Registry.Adapters.Sync.Serve;

/// <summary>How <c>mesh-sync serve</c> (and <c>sync --listen</c>) serves the catalog: address, authentication and limits.</summary>
internal sealed record ServeSettings
{
    /// <summary>The default listen address: loopback only.</summary>
    public const string DefaultListen = "127.0.0.1:8080";

    /// <summary>Where to listen.</summary>
    public ListenAddress Listen { get; init; } = ListenAddress.Parse(DefaultListen);

    /// <summary>The bearer token clients must send to <c>/v1/*</c> and <c>/metrics</c>; <see langword="null"/> for none.</summary>
    public string? Token { get; init; }

    /// <summary>The most Server-Sent Events clients of <c>/v1/watch</c> at once; more get 503.</summary>
    public int MaxSseClients { get; init; } = 256;

    /// <summary>Events queued per SSE client; a client that falls further behind is dropped (it reconnects and resumes).</summary>
    public int SseClientBuffer { get; init; } = 64;

    /// <summary>Change events kept for <c>Last-Event-ID</c> resume.</summary>
    public int ReplayEvents { get; init; } = 512;

    /// <summary>The most bytes of change events kept for resume.</summary>
    public long ReplayBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>The largest request header block, in bytes.</summary>
    public int MaxRequestHeadersTotalSize { get; init; } = 16 * 1024;

    /// <summary>The most request headers.</summary>
    public int MaxRequestHeaderCount { get; init; } = 64;

    /// <summary>The longest request line, in bytes.</summary>
    public int MaxRequestLineSize { get; init; } = 8 * 1024;

    /// <summary>The largest request body, in bytes (every endpoint is a GET).</summary>
    public long MaxRequestBodySize { get; init; } = 4 * 1024;

    /// <summary>The most open connections.</summary>
    public long MaxConcurrentConnections { get; init; } = 1024;

    /// <summary>Reports leadership for <c>/readyz</c> (<c>sync --leader-elect</c>): e.g. "leader" or "standby"; a standby is ready.</summary>
    public Func<string?>? Leadership { get; init; }

    /// <summary>Reports leadership per shard for <c>/readyz</c> (<c>sync --leader-elect</c>), or <see langword="null"/> without election.</summary>
    public Func<List<ServeReadinessShard>?>? LeadershipShards { get; init; }
}
