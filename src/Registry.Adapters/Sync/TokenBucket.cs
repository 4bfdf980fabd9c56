namespace Registry.Adapters.Sync;

/// <summary>A token bucket on a <see cref="TimeProvider"/>: <c>rate</c> tokens per second, one second of burst; a take larger than the burst waits for its debt.</summary>
internal sealed class TokenBucket(double rate, TimeProvider time)
{
    private readonly double _capacity = Math.Max(1, rate);
    private double _tokens = Math.Max(1, rate);
    private long _stamp = time.GetTimestamp();

    /// <summary>How long callers were made to wait in total.</summary>
    public TimeSpan Waited { get; private set; }

    public async Task TakeAsync(int count, CancellationToken cancellationToken)
    {
        TimeSpan wait;
        lock (this)
        {
            var now = time.GetTimestamp();
            _tokens = Math.Min(_capacity, _tokens + (time.GetElapsedTime(_stamp, now).TotalSeconds * rate));
            _stamp = now;
            _tokens -= count;
            wait = _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / rate);
            Waited += wait;
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
