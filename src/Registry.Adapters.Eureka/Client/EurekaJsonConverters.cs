using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Registry.Adapters.Eureka.Wire;

/// <summary>
/// Reads a list that Eureka writes as an array (Jackson codec) or, with one element, as a bare object (legacy
/// XStream-JSON codec). A non-object element becomes <see langword="null"/> so the caller can report it and keep the rest.
/// Writes an array.
/// </summary>
internal sealed class SingleOrArrayConverter<T> : JsonConverter<List<T?>>
    where T : class
{
    public override List<T?>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var typeInfo = (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.StartObject:
                return [JsonSerializer.Deserialize(ref reader, typeInfo)];
            case JsonTokenType.StartArray:
                var list = new List<T?>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        list.Add(JsonSerializer.Deserialize(ref reader, typeInfo));
                    }
                    else
                    {
                        reader.Skip();
                        list.Add(null);
                    }
                }

                return list;
            default:
                reader.Skip();
                return [null];
        }
    }

    public override void Write(Utf8JsonWriter writer, List<T?> value, JsonSerializerOptions options)
    {
        var typeInfo = (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
        writer.WriteStartArray();
        foreach (var item in value)
        {
            if (item is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                JsonSerializer.Serialize(writer, item, typeInfo);
            }
        }

        writer.WriteEndArray();
    }
}

/// <summary>A long written as a JSON number or a numeric string (<c>"1767225600123"</c>); anything else reads as <see langword="null"/>. Writes a string, as Eureka's <c>@Auto</c> fields do.</summary>
internal sealed class LenientLongConverter : JsonConverter<long?>
{
    public override bool HandleNull => true;

    public override long? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var number) ? number : null;
            case JsonTokenType.String:
                return long.TryParse(reader.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
            default:
                reader.Skip();
                return null;
        }
    }

    public override void Write(Utf8JsonWriter writer, long? value, JsonSerializerOptions options)
    {
        if (value is { } v)
        {
            writer.WriteStringValue(v.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}

/// <summary>A boolean written as <c>true</c> or as the string <c>"true"</c>; anything else reads as <see langword="null"/>. Writes a string.</summary>
internal sealed class LenientBoolConverter : JsonConverter<bool?>
{
    public override bool HandleNull => true;

    public override bool? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadBool(ref reader);

    public override void Write(Utf8JsonWriter writer, bool? value, JsonSerializerOptions options)
    {
        if (value is { } v)
        {
            writer.WriteStringValue(v ? "true" : "false");
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    internal static bool? ReadBool(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True:
                return true;
            case JsonTokenType.False:
                return false;
            case JsonTokenType.String:
                var text = reader.GetString();
                return string.Equals(text, "true", StringComparison.OrdinalIgnoreCase) ? true
                    : string.Equals(text, "false", StringComparison.OrdinalIgnoreCase) ? false
                    : null;
            default:
                reader.Skip();
                return null;
        }
    }
}
