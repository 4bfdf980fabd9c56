namespace Registry.Adapters.Consul.Client;

/// <summary>How a read is made: blocking from an index, and with which consistency.</summary>
/// <param name="Index">The index to block on; 0 reads at once (the <c>index</c> parameter is left out).</param>
/// <param name="Consistent">Sends <c>?consistent</c> (one-shot reads); otherwise <c>?stale</c> when the options allow it.</param>
internal readonly record struct ConsulQuery(ulong Index = 0, bool Consistent = false);

/// <summary>A read's body and its <c>X-Consul-*</c> metadata.</summary>
/// <param name="Body">The raw JSON body.</param>
/// <param name="Index">The <c>X-Consul-Index</c> header (0 when absent or not a number).</param>
/// <param name="KnownLeader">The <c>X-Consul-KnownLeader</c> header.</param>
internal sealed record ConsulResponse(byte[] Body, ulong Index, bool KnownLeader)
{
    /// <summary>The status code (a success, or a status the request accepted such as a transaction's 409).</summary>
    public System.Net.HttpStatusCode Status { get; init; } = System.Net.HttpStatusCode.OK;
}

/// <summary>Blocking-query index rules from Consul's documentation (features/blocking.mdx).</summary>
internal static class ConsulIndex
{
    /// <summary>
    /// The index to send next: a returned 0 is clamped to 1 (it is always safe to block on 1, and 0 would
    /// not block); an index that went backwards (snapshot restore) resets to 0, which reads at once.
    /// </summary>
    /// <param name="sent">The index the request was made with (0 for a non-blocking read).</param>
    /// <param name="returned">The <c>X-Consul-Index</c> of the response.</param>
    /// <returns>The next index.</returns>
    public static ulong Next(ulong sent, ulong returned)
    {
        var clamped = returned == 0 ? 1 : returned;
        return clamped < sent ? 0 : clamped;
    }

    /// <summary>Whether a response with <paramref name="returned"/> to a request made with <paramref name="sent"/> went backwards.</summary>
    public static bool WentBackwards(ulong sent, ulong returned) => sent > 0 && Next(sent, returned) == 0;
}
