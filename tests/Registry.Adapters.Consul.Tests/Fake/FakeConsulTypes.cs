namespace Registry.Adapters.Consul.Tests.Fake;

/// <summary>One request the fake received.</summary>
public sealed record FakeConsulRequest(string Method, string Path, string Query, bool HadTokenHeader, bool HadTokenInQuery);

/// <summary>Kinds of injected faults.</summary>
public enum FakeConsulFaultKind
{
    /// <summary>The connection is reset before any answer.</summary>
    Reset,

    /// <summary>500 with Consul's "No cluster leader" body.</summary>
    ServerError,

    /// <summary>200 whose Content-Length is larger than the body, then the connection is cut.</summary>
    CutShort,

    /// <summary>The answer is delayed.</summary>
    Slow,

    /// <summary>The answer carries <c>X-Consul-Index: 0</c> (a Consul bug older clients must survive).</summary>
    ZeroIndex,

    /// <summary>200 with malformed JSON and a new index.</summary>
    Malformed,

    /// <summary>200 with a valid but padded 64 KiB JSON body (an empty list or object) and its <c>Content-Length</c>.</summary>
    Oversized,

    /// <summary>As <see cref="Oversized"/>, but chunked: no <c>Content-Length</c>, so only counting while reading finds it.</summary>
    OversizedChunked,

    /// <summary>200 declaring a 1 MiB <c>Content-Length</c>, a few bytes, then a hold of up to 5 s and a cut: only a client that checks the header first fails fast.</summary>
    DeclaredOversized,

    /// <summary>200 with a new index and a <c>Content-Length</c>, the first bytes of the body, then nothing until the client gives up (a stalled server or proxy).</summary>
    StallBody,

    /// <summary>The request is held without an answer until the client gives up.</summary>
    StallHeaders,
}

/// <summary>An injected fault.</summary>
public sealed record FakeConsulFault(FakeConsulFaultKind Kind, TimeSpan Delay = default)
{
    public static FakeConsulFault Reset { get; } = new(FakeConsulFaultKind.Reset);

    public static FakeConsulFault ServerError { get; } = new(FakeConsulFaultKind.ServerError);

    public static FakeConsulFault CutShort { get; } = new(FakeConsulFaultKind.CutShort);

    public static FakeConsulFault ZeroIndex { get; } = new(FakeConsulFaultKind.ZeroIndex);

    public static FakeConsulFault Malformed { get; } = new(FakeConsulFaultKind.Malformed);

    public static FakeConsulFault Oversized { get; } = new(FakeConsulFaultKind.Oversized);

    public static FakeConsulFault OversizedChunked { get; } = new(FakeConsulFaultKind.OversizedChunked);

    public static FakeConsulFault DeclaredOversized { get; } = new(FakeConsulFaultKind.DeclaredOversized);

    public static FakeConsulFault StallBody { get; } = new(FakeConsulFaultKind.StallBody);

    public static FakeConsulFault StallHeaders { get; } = new(FakeConsulFaultKind.StallHeaders);

    public static FakeConsulFault Slow(TimeSpan delay) => new(FakeConsulFaultKind.Slow, delay);
}
