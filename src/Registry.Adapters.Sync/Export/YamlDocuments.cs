using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Registry.Adapters.Sync.Export;

/// <summary>
/// Writes JSON objects as a multi-document YAML stream (YamlDotNet's emitter), as <c>kubectl apply -f</c> reads it.
/// A string that a YAML 1.1 or 1.2 parser would read as another type (<c>"true"</c>, <c>"on"</c>, <c>"8080"</c>,
/// <c>"1.2"</c>, <c>"null"</c>, <c>""</c>) is double-quoted, so every value reads back as the JSON it came from.
/// </summary>
internal static partial class YamlDocuments
{
    public static void Write(TextWriter writer, IEnumerable<JsonObject> documents)
    {
        var emitter = new Emitter(writer, 2, int.MaxValue, false);
        emitter.Emit(new StreamStart());
        foreach (var document in documents)
        {
            emitter.Emit(new DocumentStart(null, null, isImplicit: false));
            WriteNode(emitter, document);
            emitter.Emit(new DocumentEnd(isImplicit: true));
        }

        emitter.Emit(new StreamEnd());
    }

    private static void WriteNode(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, obj.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in obj)
                {
                    WriteString(emitter, key);
                    WriteNode(emitter, value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, array.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in array)
                {
                    WriteNode(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                WriteString(emitter, value.GetValue<string>());
                break;
            case JsonValue value:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value.ToJsonString(), ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
            default:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, "null", ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
        }
    }

    private static void WriteString(IEmitter emitter, string text)
    {
        var style = NeedsQuotes(text) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any;
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, text, style, isPlainImplicit: true, isQuotedImplicit: true));
    }

    /// <summary>Whether a plain scalar of this text would resolve to something other than the same string.</summary>
    internal static bool NeedsQuotes(string text) =>
        text.Length == 0
        || text != text.Trim()
        || Implicit().IsMatch(text)
        || text.Any(static c => char.IsControl(c) || c > '\u007e');

    // YAML 1.1 booleans and nulls (yes/no/on/off/y/n in their three casings, ~), ints and floats in every base with
    // '_' and sexagesimal ':' forms, .inf/.nan, and timestamps: anything that starts like a number is quoted.
    [GeneratedRegex(@"^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|<<|=|[-+]?\.?[0-9].*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex Implicit();
}
