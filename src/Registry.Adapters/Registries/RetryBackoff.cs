namespace Registry.Adapters;

/// <summary>
/// Exponential backoff with jitter for registry reconnect loops: the first delay is
/// <see cref="Initial"/>, each failure doubles the cap up to <see cref="Max"/>, a success resets it.
/// Backends create it from their <see cref="Backends.ReconnectOptions"/>. Not thread-safe: one per loop.
/// </summary>
public sealed class RetryBackoff
{
    private readonly Random _random;
    private int _failures;

    /// <summary>Creates a backoff.</summary>
    /// <param name="initial">The first delay. <value>The default value is 200 milliseconds.</value></param>
    /// <param name="max">The largest delay. <value>The default value is 30 seconds.</value></param>
    /// <param name="random">The jitter source; tests pass a seeded one.</param>
    public RetryBackoff(TimeSpan? initial = null, TimeSpan? max = null, Random? random = null)
    {
        Initial = initial ?? TimeSpan.FromMilliseconds(200);
        Max = max ?? TimeSpan.FromSeconds(30);
        _random = random ?? Random.Shared;
    }

    /// <summary>The first delay.</summary>
    public TimeSpan Initial { get; }

    /// <summary>The largest delay.</summary>
    public TimeSpan Max { get; }

    /// <summary>The share of each delay drawn at random, from 0 to 1. <value>The default value is 0.5: between half and all of the cap.</value></summary>
    public double Jitter { get; init; } = 0.5;

    /// <summary>The number of failures since the last reset.</summary>
    public int Failures => _failures;

    /// <summary>Records a failure and returns how long to wait before the next attempt: between <c>(1 - Jitter)</c> and all of the current cap.</summary>
    /// <returns>The delay.</returns>
    public TimeSpan NextDelay()
    {
        var exponent = Math.Min(_failures, 20);
        _failures++;
        var cap = Math.Min(Max.Ticks, Initial.Ticks * (1L << exponent));
        var low = cap - (long)(cap * Math.Clamp(Jitter, 0, 1));
        return TimeSpan.FromTicks(low + (long)(_random.NextDouble() * (cap - low)));
    }

    /// <summary>Records a success: the next failure waits <see cref="Initial"/> again.</summary>
    public void Reset() => _failures = 0;
}
