using System.Globalization;

namespace Registry.Adapters.Backends;

/// <summary>
/// The limits one HTTP exchange with a registry runs under, enforced by <see cref="GuardedHttpHandler"/>: how long the
/// server may take to send the response headers, how long a body may go without a byte, and how large a body may be.
/// A blocking query (Consul <c>?index=&amp;wait=</c>) raises <see cref="HeadersTimeout"/> by its wait and keeps the short
/// <see cref="BodyIdleTimeout"/>; a watch stream (Kubernetes <c>?watch=true</c>) sets <see cref="PerLine"/> and a longer
/// idle bound.
/// </summary>
public sealed record HttpLimits
{
    /// <summary>The smallest <see cref="MaxResponseBytes"/> any backend accepts: 1 KiB.</summary>
    public const long MinimumMaxResponseBytes = 1024;

    /// <summary>The default of <see cref="MaxResponseBytes"/>: 64 MiB.</summary>
    public const long DefaultMaxResponseBytes = 64L * 1024 * 1024;

    /// <summary>The default of <see cref="BodyIdleTimeout"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultBodyIdleTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The key under which a request carries its own limits (<see cref="HttpRequestMessage.Options"/>).</summary>
    public static readonly HttpRequestOptionsKey<HttpLimits> OptionKey = new("Registry.Adapters.HttpLimits");

    /// <summary>The longest wait for the response headers. <value>The default value is 30 seconds.</value></summary>
    public TimeSpan HeadersTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest time a response body may go without delivering a byte. <value>The default value is 10 seconds.</value></summary>
    public TimeSpan BodyIdleTimeout { get; init; } = DefaultBodyIdleTimeout;

    /// <summary>
    /// The largest body (counted after decompression): a larger one fails with <see cref="HttpResponseTooLargeException"/>.
    /// With <see cref="PerLine"/>, the largest line of a line-delimited stream. <value>The default value is 64 MiB.</value>
    /// </summary>
    public long MaxResponseBytes { get; init; } = DefaultMaxResponseBytes;

    /// <summary>
    /// The body is a stream of newline-delimited messages (a watch): it is not buffered, and
    /// <see cref="MaxResponseBytes"/> bounds each line instead of the whole body. <value>The default value is <see langword="false"/>: the body is buffered (bounded) before the response is returned.</value>
    /// </summary>
    public bool PerLine { get; init; }

    /// <summary>Attaches these limits to one request, overriding the handler's defaults for it.</summary>
    /// <param name="request">The request.</param>
    /// <returns>The request.</returns>
    public HttpRequestMessage ApplyTo(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Options.Set(OptionKey, this);
        return request;
    }

    /// <summary>
    /// Checks a configured <c>MaxResponseBytes</c> value and, when it is out of range, adds one message naming the
    /// setting and the fix: every backend accepts the same range.
    /// </summary>
    /// <param name="value">The configured value.</param>
    /// <param name="setting">The setting's full configuration path (<c>Mesh:Registries:2:MaxResponseBytes</c>).</param>
    /// <param name="errors">Where to add the message.</param>
    public static void ValidateMaxResponseBytes(long value, string setting, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (value < MinimumMaxResponseBytes || value > Array.MaxLength)
        {
            errors.Add($"{setting} is {value.ToString(CultureInfo.InvariantCulture)}; set it between {MinimumMaxResponseBytes.ToString(CultureInfo.InvariantCulture)} and {Array.MaxLength.ToString(CultureInfo.InvariantCulture)} bytes (the default is {DefaultMaxResponseBytes.ToString(CultureInfo.InvariantCulture)}, 64 MiB).");
        }
    }

    /// <summary>
    /// Checks a configured <c>BodyIdleTimeout</c> value and, when it is out of range, adds one message naming the setting
    /// and the fix.
    /// </summary>
    /// <param name="value">The configured value.</param>
    /// <param name="setting">The setting's full configuration path.</param>
    /// <param name="errors">Where to add the message.</param>
    public static void ValidateBodyIdleTimeout(TimeSpan value, string setting, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (value <= TimeSpan.Zero || value > TimeSpan.FromHours(1))
        {
            errors.Add($"{setting} is {value}; set it between 00:00:00.001 and 01:00:00 (the default is 00:00:10).");
        }
    }
}
