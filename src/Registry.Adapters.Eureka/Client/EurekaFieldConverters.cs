using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Adapters.Eureka.Wire;

/// <summary>Reads a port object <c>{"$": 8080 | "8080", "@enabled": "true" | true}</c>; writes <c>{"$": 8080, "@enabled": "true"}</c>.</summary>
internal sealed class EurekaPortConverter : JsonConverter<JsonPort>
{
    public override JsonPort? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var port = new JsonPort();
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number or JsonTokenType.String:
                ReadValue(ref reader, port);
                return port;
            case JsonTokenType.StartObject:
                break;
            default:
                reader.Skip();
                port.Malformed = "(not an object)";
                return port;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            if (name == "$")
            {
                ReadValue(ref reader, port);
            }
            else if (name == "@enabled")
            {
                port.Enabled = LenientBoolConverter.ReadBool(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        return port;
    }

    public override void Write(Utf8JsonWriter writer, JsonPort value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteNumber("$", value.Value ?? 0);
        writer.WriteString("@enabled", value.Enabled == true ? "true" : "false");
        writer.WriteEndObject();
    }

    private static void ReadValue(ref Utf8JsonReader reader, JsonPort port)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetInt32(out var number))
            {
                port.Value = number;
            }
            else
            {
                port.Malformed = "(number out of range)";
            }
        }
        else if (reader.TokenType == JsonTokenType.String)
        {
            var text = reader.GetString();
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
            {
                port.Value = parsed;
            }
            else
            {
                port.Malformed = text ?? string.Empty;
            }
        }
        else
        {
            reader.Skip();
            port.Malformed = "(not a number)";
        }
    }
}

/// <summary>
/// Reads instance metadata: an object of strings; the <c>@class</c> type id (<c>java.util.Collections$EmptyMap</c>) is
/// dropped, numbers and booleans are kept as their text, nested values are skipped. Writes an empty map as Eureka does.
/// </summary>
internal sealed class EurekaMetadataConverter : JsonConverter<Dictionary<string, string>>
{
    private const string EmptyMapClass = "java.util.Collections$EmptyMap";

    public override Dictionary<string, string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString() ?? string.Empty;
            reader.Read();
            if (key == "@class")
            {
                reader.Skip();
                continue;
            }

            string? value = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
                JsonTokenType.True => "true",
                JsonTokenType.False => "false",
                _ => null,
            };
            if (value is null)
            {
                reader.Skip();
                continue;
            }

            map[key] = value;
        }

        return map;
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        if (value.Count == 0)
        {
            writer.WriteString("@class", EmptyMapClass);
        }

        foreach (var (key, item) in value)
        {
            writer.WriteString(key, item);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Reads a string, returning a shared instance for Eureka's status and action-type names (they repeat in every record).</summary>
internal sealed class KnownStringConverter : JsonConverter<string>
{
    private static readonly string[] Known = ["UP", "DOWN", "STARTING", "OUT_OF_SERVICE", "UNKNOWN", "ADDED", "MODIFIED", "DELETED"];
    private static readonly byte[][] KnownUtf8 = [.. Known.Select(System.Text.Encoding.UTF8.GetBytes)];

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return null;
        }

        for (var i = 0; i < KnownUtf8.Length; i++)
        {
            if (reader.ValueTextEquals(KnownUtf8[i]))
            {
                return Known[i];
            }
        }

        return reader.GetString();
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
