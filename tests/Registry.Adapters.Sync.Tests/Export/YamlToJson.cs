using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Shouldly;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Registry.Adapters.Sync.Tests.Export;

/// <summary>
/// Reads the exported YAML back as a YAML parser would, into JSON: plain scalars that YAML 1.2 resolves as numbers become
/// numbers, and a plain scalar that any YAML 1.1 parser (kubectl's go-yaml v2 heritage) would read as a boolean, number,
/// null or timestamp is an error when it is meant as a string.
/// </summary>
internal static partial class YamlToJson
{
    public static List<JsonObject> Documents(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => Convert(d.RootNode)!.AsObject())];
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(Key(p.Key), Convert(p.Value)))),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(Convert)]),
        YamlScalarNode { Style: ScalarStyle.Plain } scalar when Int().IsMatch(scalar.Value!) => JsonValue.Create(long.Parse(scalar.Value!, System.Globalization.CultureInfo.InvariantCulture)),
        YamlScalarNode scalar => JsonValue.Create(PlainString(scalar)),
        _ => throw new InvalidOperationException(node.GetType().Name),
    };

    private static string Key(YamlNode node) => PlainString((YamlScalarNode)node);

    private static string PlainString(YamlScalarNode scalar)
    {
        if (scalar.Style == ScalarStyle.Plain)
        {
            Yaml11Typed().IsMatch(scalar.Value!).ShouldBeFalse($"the plain scalar '{scalar.Value}' reads as a non-string in YAML 1.1; it must be quoted");
        }

        return scalar.Value!;
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex Int();

    // yaml.org/type: bool, int (all bases, sexagesimal), float, null, timestamp (date prefix), merge key.
    [GeneratedRegex(@"^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|~|null|Null|NULL|<<|[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+|[-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*)?$")]
    private static partial Regex Yaml11Typed();
}
