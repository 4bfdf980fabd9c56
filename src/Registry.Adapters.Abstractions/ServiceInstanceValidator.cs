using System.Globalization;
using System.Text;

namespace Registry.Adapters;

/// <summary>
/// Checks values that come from a registry before they enter the catalog. Every backend runs
/// each record through <see cref="Validate"/> and skips (and reports) the ones that fail, so a
/// hostile or malformed record never becomes a key, path, header or host.
/// </summary>
public static class ServiceInstanceValidator
{
    /// <summary>The longest accepted service name (a DNS name's limit).</summary>
    public const int MaxServiceNameLength = 253;

    /// <summary>The longest accepted instance id.</summary>
    public const int MaxIdLength = 256;

    /// <summary>The longest accepted host.</summary>
    public const int MaxHostLength = 253;

    /// <summary>The most tags, metadata entries or ports an instance may carry.</summary>
    public const int MaxItems = 256;

    /// <summary>The longest accepted tag, metadata key, zone or port name.</summary>
    public const int MaxShortValueLength = 256;

    /// <summary>The longest accepted metadata value.</summary>
    public const int MaxMetadataValueLength = 4096;

    /// <summary>Checks a service name: 1 to 253 printable characters, no <c>/</c>, <c>\</c>, <c>..</c>, white space or control characters.</summary>
    /// <param name="name">The name.</param>
    /// <returns><see langword="null"/> when valid, else why not.</returns>
    public static string? ValidateServiceName(string? name) => ValidateName(name, "service name", MaxServiceNameLength);

    /// <summary>Checks an instance id with the same rules as a service name, up to 256 characters.</summary>
    /// <param name="id">The id.</param>
    /// <returns><see langword="null"/> when valid, else why not.</returns>
    public static string? ValidateInstanceId(string? id) => ValidateName(id, "instance id", MaxIdLength);

    /// <summary>Checks a host: a DNS name or an IPv4/IPv6 address.</summary>
    /// <param name="host">The host.</param>
    /// <returns><see langword="null"/> when valid, else why not.</returns>
    public static string? ValidateHost(string? host)
    {
        if (string.IsNullOrEmpty(host))
        {
            return "host is missing";
        }

        if (host.Length > MaxHostLength)
        {
            return $"host is longer than {MaxHostLength} characters";
        }

        return Uri.CheckHostName(host) == UriHostNameType.Unknown
            ? $"host '{Printable(host)}' is not a DNS name or IP address"
            : null;
    }

    /// <summary>Checks a port: a number from 1 to 65535, a short name and a protocol.</summary>
    /// <param name="port">The port.</param>
    /// <returns><see langword="null"/> when valid, else why not.</returns>
    public static string? ValidatePort(ServicePort? port)
    {
        if (port is null)
        {
            return "port is missing";
        }

        if (port.Port is < ServicePort.MinPort or > ServicePort.MaxPort)
        {
            return $"port {port.Port.ToString(CultureInfo.InvariantCulture)} is out of range {ServicePort.MinPort}-{ServicePort.MaxPort}";
        }

        return ValidateShort(port.Name, "port name") ?? ValidateShort(port.Protocol, "port protocol");
    }

    /// <summary>Checks a whole instance: names, host, ports (unique names), zone, tags and metadata.</summary>
    /// <param name="instance">The instance.</param>
    /// <returns><see langword="null"/> when valid, else the first reason it is not.</returns>
    public static string? Validate(ServiceInstance? instance)
    {
        if (instance is null)
        {
            return "instance is missing";
        }

        var error = ValidateServiceName(instance.Service)
            ?? ValidateInstanceId(instance.Id)
            ?? ValidateHost(instance.Host)
            ?? ValidateCollections(instance);
        if (error is not null)
        {
            return error;
        }

        for (var i = 0; i < instance.Ports.Count; i++)
        {
            error = ValidatePort(instance.Ports[i]);
            if (error is not null)
            {
                return error;
            }

            for (var j = 0; j < i; j++)
            {
                if (string.Equals(instance.Ports[i].Name, instance.Ports[j].Name, StringComparison.OrdinalIgnoreCase))
                {
                    return $"port name '{Printable(instance.Ports[i].Name)}' is used twice";
                }
            }
        }

        if (instance.Zone is not null && ValidateShort(instance.Zone, "zone") is { } zoneError)
        {
            return zoneError;
        }

        foreach (var tag in instance.Tags)
        {
            if (ValidateText(tag, "tag", MaxShortValueLength) is { } tagError)
            {
                return tagError;
            }
        }

        foreach (var (key, value) in instance.Metadata)
        {
            if ((ValidateShort(key, "metadata key") ?? ValidateText(value, "metadata value", MaxMetadataValueLength, allowEmpty: true)) is { } metaError)
            {
                return metaError;
            }
        }

        return null;
    }

    /// <summary>Renders an untrusted string for a log line or error message: control characters escaped, cut to <paramref name="max"/> characters.</summary>
    /// <param name="value">The untrusted value.</param>
    /// <param name="max">The most characters to keep.</param>
    /// <returns>A printable, bounded rendering.</returns>
    public static string Printable(string? value, int max = 80)
    {
        if (value is null)
        {
            return "(null)";
        }

        var builder = new StringBuilder(Math.Min(value.Length, max) + 8);
        foreach (var c in value)
        {
            if (builder.Length >= max)
            {
                builder.Append('…');
                break;
            }

            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static string? ValidateCollections(ServiceInstance instance) =>
        instance.Ports.Count > MaxItems || instance.Tags.Count > MaxItems || instance.Metadata.Count > MaxItems
            ? $"instance carries more than {MaxItems} ports, tags or metadata entries"
            : null;

    private static string? ValidateName(string? name, string what, int maxLength)
    {
        if (string.IsNullOrEmpty(name))
        {
            return $"{what} is missing";
        }

        if (name.Length > maxLength)
        {
            return $"{what} '{Printable(name)}' is longer than {maxLength.ToString(CultureInfo.InvariantCulture)} characters";
        }

        if (name.Contains("..", StringComparison.Ordinal) || name[0] == '.')
        {
            return $"{what} '{Printable(name)}' contains '..' or starts with '.'";
        }

        foreach (var c in name)
        {
            if (c is '/' or '\\' || char.IsWhiteSpace(c) || char.IsControl(c) || char.IsSurrogate(c) || c is '"' or '\'' or '<' or '>' or '?' or '#' or '%' or '*')
            {
                return $"{what} '{Printable(name)}' contains the character '{Printable(c.ToString())}'";
            }
        }

        return null;
    }

    private static string? ValidateShort(string? value, string what) => ValidateText(value, what, MaxShortValueLength);

    private static string? ValidateText(string? value, string what, int maxLength, bool allowEmpty = false)
    {
        if (value is null || (!allowEmpty && value.Length == 0))
        {
            return $"{what} is missing";
        }

        if (value.Length > maxLength)
        {
            return $"{what} '{Printable(value)}' is longer than {maxLength.ToString(CultureInfo.InvariantCulture)} characters";
        }

        foreach (var c in value)
        {
            if (char.IsControl(c) && c is not '\t')
            {
                return $"{what} '{Printable(value)}' contains a control character";
            }
        }

        return null;
    }
}
