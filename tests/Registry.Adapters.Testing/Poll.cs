using Shouldly;

namespace Registry.Adapters.Testing;

/// <summary>
/// The test kit's one way to wait for state that comes from the wire: poll a condition until it holds, bounded by
/// <see cref="Timeout"/> in real time. It proves that something happened; it never proves that something did not (count
/// requests or events, or drive a <c>FakeTimeProvider</c>, for that).
/// </summary>
public static class Poll
{
    /// <summary>How long a test waits for a condition unless it says otherwise.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>How long to wait between two evaluations.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>Waits until <paramref name="condition"/> holds, or fails naming <paramref name="because"/>.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="because">What the test waits for, for the failure message.</param>
    /// <param name="timeout">How long to wait. <value>The default value is <see cref="Timeout"/>.</value></param>
    /// <param name="between">Runs between two evaluations (for example, advancing a fake clock).</param>
    /// <returns>A task that completes when the condition holds.</returns>
    public static async Task UntilAsync(Func<Task<bool>> condition, string because, TimeSpan? timeout = null, Action? between = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? Timeout;
        using var cts = new CancellationTokenSource(limit);
        while (!await condition().ConfigureAwait(false))
        {
            if (cts.IsCancellationRequested)
            {
                throw new ShouldAssertException($"Timed out after {limit.TotalSeconds:0.#} s waiting for: {because}");
            }

            between?.Invoke();
            await Task.Delay(Interval, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, or fails naming <paramref name="because"/>.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="because">What the test waits for, for the failure message.</param>
    /// <param name="timeout">How long to wait. <value>The default value is <see cref="Timeout"/>.</value></param>
    /// <returns>A task that completes when the condition holds.</returns>
    public static Task UntilAsync(Func<bool> condition, string because, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), because, timeout);
    }
}
