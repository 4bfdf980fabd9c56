using System.Globalization;
using System.Net;

namespace Registry.Adapters.Sync.Serve;

/// <summary>A <c>--listen</c> value: <c>HOST:PORT</c> where HOST is an IP address, <c>[IPv6]</c>, <c>localhost</c> or <c>*</c>.</summary>
/// <param name="Host">The host as given (<c>*</c> for every address).</param>
/// <param name="Address">The IP address, or <see langword="null"/> for <c>localhost</c> and <c>*</c>.</param>
/// <param name="Port">The port (0 picks a free one).</param>
internal sealed record ListenAddress(string Host, IPAddress? Address, int Port)
{
    /// <summary>Only this machine can connect.</summary>
    public bool IsLoopback => Address is null ? string.Equals(Host, "localhost", StringComparison.OrdinalIgnoreCase) : IPAddress.IsLoopback(Address);

    /// <summary>Parses a <c>--listen</c> value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The address.</returns>
    /// <exception cref="FormatException">The value is not HOST:PORT.</exception>
    public static ListenAddress Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || colon == value.Length - 1)
        {
            throw new FormatException($"'{value}' is not HOST:PORT (for example 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080).");
        }

        var host = value[..colon];
        if (!int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new FormatException($"'{value[(colon + 1)..]}' is not a port (0-65535).");
        }

        if (host == "*" || string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new ListenAddress(host.ToLowerInvariant(), null, port);
        }

        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (!IPAddress.TryParse(bare, out var address) || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !host.StartsWith('[')))
        {
            throw new FormatException($"'{host}' is not an IP address, [IPv6 address], localhost or *.");
        }

        return new ListenAddress(host, address, port);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");
}
