using System.Globalization;
using System.Text;
using System.Text.Json;
using Registry.Adapters.Serialization;

namespace Registry.Adapters.Etcd;

/// <summary>A key and value decoded into an instance, or the reason they were skipped.</summary>
/// <param name="Service">The service named by the key, when the key is well-formed.</param>
/// <param name="Id">The instance id named by the key, when the key is well-formed.</param>
/// <param name="Instance">The instance, or <see langword="null"/> when skipped.</param>
/// <param name="Error">Why the record was skipped.</param>
/// <param name="Mismatch">The value named another service or id than its key (the key wins); a note for the log.</param>
internal readonly record struct DecodedRecord(string? Service, string? Id, ServiceInstance? Instance, string? Error, string? Mismatch = null);

/// <summary>Reads and writes instances in the configured <see cref="EtcdKeyFormat"/>. Everything read is untrusted.</summary>
internal sealed class EtcdRecordCodec
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly EtcdKeyFormat _format;
    private readonly int _maxValueBytes;

    public EtcdRecordCodec(EtcdRegistryOptions options)
    {
        _format = options.Format;
        _maxValueBytes = options.MaxValueBytes;
        Prefix = options.EffectivePrefix;
        PrefixBytes = Encoding.UTF8.GetBytes(Prefix);
        RangeEnd = PrefixEnd(PrefixBytes);
    }

    public string Prefix { get; }

    public byte[] PrefixBytes { get; }

    public byte[] RangeEnd { get; }

    /// <summary>The end of the prefix range: the prefix with its last byte incremented (carrying over 0xff).</summary>
    public static byte[] PrefixEnd(byte[] prefix)
    {
        var end = (byte[])prefix.Clone();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] < 0xff)
            {
                end[i]++;
                return end[..(i + 1)];
            }
        }

        return [0];
    }

    /// <summary>A key rendered for logs and skip reports: printable and bounded.</summary>
    public static string DisplayKey(ReadOnlySpan<byte> key) => ServiceInstanceValidator.Printable(Encoding.UTF8.GetString(key), 160);

    /// <summary>Splits a key into service and id; <see langword="null"/> error when it is well-formed.</summary>
    public string? ParseKey(ReadOnlySpan<byte> key, out string? service, out string? id)
    {
        service = null;
        id = null;
        if (!key.StartsWith(PrefixBytes))
        {
            return "key is outside the prefix";
        }

        string rest;
        try
        {
            rest = StrictUtf8.GetString(key[PrefixBytes.Length..]);
        }
        catch (DecoderFallbackException)
        {
            return "key is not valid UTF-8";
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == rest.Length - 1)
        {
            return $"key is not {Prefix}{{service}}/{{instanceId}}";
        }

        var serviceText = rest[..slash];
        var idText = rest[(slash + 1)..];
        var error = ServiceInstanceValidator.ValidateServiceName(serviceText) ?? ServiceInstanceValidator.ValidateInstanceId(idText);
        if (error is not null)
        {
            return error;
        }

        service = serviceText;
        id = idText;
        return null;
    }

    /// <summary>Decodes one key and value.</summary>
    public DecodedRecord Decode(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var keyError = ParseKey(key, out var service, out var id);
        if (keyError is not null)
        {
            return new DecodedRecord(null, null, null, keyError);
        }

        if (value.Length > _maxValueBytes)
        {
            return new DecodedRecord(service, id, null, $"value of {value.Length.ToString(CultureInfo.InvariantCulture)} bytes is larger than MaxValueBytes ({_maxValueBytes.ToString(CultureInfo.InvariantCulture)})");
        }

        try
        {
            var (instance, error, mismatch) = _format == EtcdKeyFormat.Kratos
                ? DecodeKratos(service!, id!, value)
                : DecodeMesh(service!, id!, value);
            if (instance is not null && ServiceInstanceValidator.Validate(instance) is { } invalid)
            {
                return new DecodedRecord(service, id, null, invalid);
            }

            return new DecodedRecord(service, id, instance, error, mismatch);
        }
        catch (JsonException ex)
        {
            return new DecodedRecord(service, id, null, $"value is not valid JSON ({ServiceInstanceValidator.Printable(ex.Message, 120)})");
        }
    }

    /// <summary>The key of an instance.</summary>
    public byte[] EncodeKey(ServiceInstance instance) => Encoding.UTF8.GetBytes($"{Prefix}{instance.Service}/{instance.Id}");

    /// <summary>The value of an instance.</summary>
    public byte[] EncodeValue(ServiceInstance instance) => _format == EtcdKeyFormat.Kratos
        ? JsonSerializer.SerializeToUtf8Bytes(EtcdKratosFormat.ToJson(instance), EtcdJsonContext.Default.KratosInstanceJson)
        : InstanceJson.SerializeToUtf8Bytes(instance);

    /// <summary>The value is the shared instance JSON (<see cref="InstanceJson"/>); the key names the service and id.</summary>
    private static (ServiceInstance?, string?, string?) DecodeMesh(string service, string id, ReadOnlySpan<byte> value)
    {
        if (!InstanceJson.TryDeserializeDocument(value, out var document, out var error))
        {
            return (null, error, null);
        }

        var mismatch = Mismatch("service", service, document.Service) ?? Mismatch("id", id, document.Id);
        document.Service = service;
        document.Id = id;
        return document.TryToInstance(service, id, out var instance, out error) ? (instance, null, mismatch) : (null, error, null);
    }

    private static (ServiceInstance?, string?, string?) DecodeKratos(string service, string id, ReadOnlySpan<byte> value)
    {
        var json = JsonSerializer.Deserialize(value, EtcdJsonContext.Default.KratosInstanceJson);
        return json is null ? (null, "value is JSON null", null) : EtcdKratosFormat.FromJson(service, id, json);
    }

    internal static string? Mismatch(string what, string fromKey, string? fromValue) =>
        fromValue is not null && !string.Equals(fromKey, fromValue, StringComparison.Ordinal)
            ? $"value names {what} '{ServiceInstanceValidator.Printable(fromValue, 64)}' but its key says '{fromKey}'; the key wins"
            : null;
}
