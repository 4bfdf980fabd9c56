using System.Globalization;

namespace Registry.Adapters.Backends;

/// <summary>
/// How a backend's watch reconnects after a fault, with the same names, defaults and behaviour in every backend
/// (<c>Mesh:Registries:N:Reconnect:InitialDelay</c>, <c>…:MaxDelay</c>, <c>…:Jitter</c>): the first retry waits about
/// <see cref="InitialDelay"/>, each further failure doubles the wait up to <see cref="MaxDelay"/>, a success starts again
/// from <see cref="InitialDelay"/>. Each wait is drawn at random between <c>(1 - Jitter)</c> and all of the current cap,
/// so that many clients of one server do not retry in step.
/// </summary>
public sealed class ReconnectOptions
{
    /// <summary>The first wait after a fault. <value>The default value is 200 milliseconds.</value></summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait; a backend also waits this long after a fault retrying cannot cure soon (bad credentials). <value>The default value is 30 seconds.</value></summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The share of each wait drawn at random, from 0 (none: exactly the cap) to 1 (anywhere from zero to the cap). <value>The default value is 0.5.</value></summary>
    public double Jitter { get; set; } = 0.5;

    /// <summary>
    /// For <see cref="RegistryKind{TOptions}.RenamedSettings"/> of a backend whose reconnect settings had names of its own:
    /// a configuration that still uses one fails with a message naming <c>Reconnect:InitialDelay</c> or
    /// <c>Reconnect:MaxDelay</c>.
    /// </summary>
    /// <param name="initialDelayKey">The old key of <see cref="InitialDelay"/> (<c>ReconnectDelay</c>).</param>
    /// <param name="maxDelayKey">The old key of <see cref="MaxDelay"/> (<c>MaxReconnectDelay</c>).</param>
    /// <returns>Each old key with its new key, relative to the registry's element.</returns>
    public static IReadOnlyDictionary<string, string> RenamedFrom(string initialDelayKey, string maxDelayKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(initialDelayKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(maxDelayKey);
        return new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [initialDelayKey] = "Reconnect:InitialDelay",
            [maxDelayKey] = "Reconnect:MaxDelay",
        };
    }

    /// <summary>A backoff over these options, for one reconnect loop.</summary>
    /// <param name="random">The jitter source; tests pass a seeded one. <value>The default value is <see cref="Random.Shared"/>.</value></param>
    /// <returns>The backoff.</returns>
    public RetryBackoff CreateBackoff(Random? random = null) => new(InitialDelay, MaxDelay, random) { Jitter = Jitter };

    /// <summary>Checks the options; every problem is one message naming the setting and the fix.</summary>
    /// <param name="settingPath">The options' path: <c>Mesh:Registries:2:Reconnect</c> or <c>AddConsul("cf"):Reconnect</c>.</param>
    /// <param name="errors">Where to add the messages.</param>
    public void Validate(string settingPath, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (InitialDelay <= TimeSpan.Zero || InitialDelay > TimeSpan.FromHours(1))
        {
            errors.Add($"{settingPath}:InitialDelay is {InitialDelay}; set it between 00:00:00.001 and 01:00:00 (the default is 00:00:00.200).");
        }

        if (MaxDelay < InitialDelay || MaxDelay > TimeSpan.FromDays(1))
        {
            errors.Add($"{settingPath}:MaxDelay is {MaxDelay}; set it at least {settingPath}:InitialDelay and at most 1.00:00:00 (the default is 00:00:30).");
        }

        if (double.IsNaN(Jitter) || Jitter is < 0 or > 1)
        {
            errors.Add($"{settingPath}:Jitter is {Jitter.ToString(CultureInfo.InvariantCulture)}; set it between 0 and 1 (the default is 0.5).");
        }
    }
}
