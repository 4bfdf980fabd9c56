using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;

namespace Registry.Adapters.Eureka.Tests;

public sealed partial class FakeEurekaServer
{
    private JsonObject FullDocument()
    {
        lock (_gate)
        {
            EvictExpiredLocked();
            var apps = new JsonArray();
            foreach (var (name, leases) in _registry.OrderBy(static a => a.Key, StringComparer.Ordinal))
            {
                apps.Add(new JsonObject { ["name"] = name, ["instance"] = new JsonArray([.. leases.OrderBy(static l => l.Key, StringComparer.Ordinal).Select(l => RenderInstance(l.Value))]) });
            }

            return Applications(_versionDelta, HashCodeLocked(), apps);
        }
    }

    private JsonObject DeltaDocument()
    {
        lock (_gate)
        {
            EvictExpiredLocked();
            var now = NowMs();
            _recentlyChanged.RemoveAll(c => now - c.At > (long)RetentionWindow.TotalMilliseconds);

            // AbstractInstanceRegistry.getApplicationDeltas: changed instances grouped by application, the latest per id.
            var byApp = new SortedDictionary<string, Dictionary<string, JsonObject>>(StringComparer.Ordinal);
            foreach (var (_, app, id, instance) in _recentlyChanged)
            {
                if (!byApp.TryGetValue(app, out var ids))
                {
                    ids = [];
                    byApp[app] = ids;
                }

                ids[id] = instance;
            }

            var apps = new JsonArray();
            foreach (var (name, ids) in byApp)
            {
                apps.Add(new JsonObject { ["name"] = name, ["instance"] = new JsonArray([.. ids.Values.Select(static i => i.DeepClone())]) });
            }

            // The hash code describes the whole registry after the changes, not the delta.
            var hash = HashCodeLocked();
            if (_corruptDeltaHashes > 0)
            {
                _corruptDeltaHashes--;
                hash = "CORRUPT_1_" + hash;
            }

            return Applications(_versionDelta, hash, apps);
        }
    }

    private JsonObject? ApplicationDocument(string app)
    {
        lock (_gate)
        {
            EvictExpiredLocked();
            return _registry.TryGetValue(app.ToUpperInvariant(), out var leases)
                ? new JsonObject { ["application"] = new JsonObject { ["name"] = app.ToUpperInvariant(), ["instance"] = new JsonArray([.. leases.OrderBy(static l => l.Key, StringComparer.Ordinal).Select(l => RenderInstance(l.Value))]) } }
                : null;
        }
    }

    private JsonObject? InstanceDocument(string app, string id)
    {
        lock (_gate)
        {
            EvictExpiredLocked();
            return TryGetLocked(app, id, out var lease) ? new JsonObject { ["instance"] = RenderInstance(lease) } : null;
        }
    }

    private static JsonObject Applications(long version, string hash, JsonArray apps) => new()
    {
        ["applications"] = new JsonObject
        {
            ["versions__delta"] = version.ToString(CultureInfo.InvariantCulture),
            ["apps__hashcode"] = hash,
            ["application"] = apps,
        },
    };

    private JsonObject RenderInstance(Lease lease)
    {
        var instance = (JsonObject)lease.Instance.DeepClone();
        instance.Remove("overriddenstatus");
        instance["overriddenStatus"] = _overrides.GetValueOrDefault(Id(instance), "UNKNOWN");
        var renewal = ReadLong(instance["leaseInfo"]?["renewalIntervalInSecs"]) ?? 30;
        instance["leaseInfo"] = new JsonObject
        {
            ["renewalIntervalInSecs"] = renewal,
            ["durationInSecs"] = lease.DurationMs / 1000,
            ["registrationTimestamp"] = lease.RegistrationMs,
            ["lastRenewalTimestamp"] = lease.LastUpdateMs,
            ["evictionTimestamp"] = lease.EvictionMs,
            ["serviceUpTimestamp"] = lease.RegistrationMs,
        };
        if (instance["metadata"] is not JsonObject { Count: > 0 })
        {
            instance["metadata"] = new JsonObject { ["@class"] = "java.util.Collections$EmptyMap" };
        }

        instance["isCoordinatingDiscoveryServer"] = "false";
        instance["lastUpdatedTimestamp"] = lease.LastUpdatedTimestamp.ToString(CultureInfo.InvariantCulture);
        instance["actionType"] = lease.ActionType;
        return instance;
    }

    private string RenderJson(JsonObject document) =>
        (LegacyJson ? Legacy(document.DeepClone())! : document).ToJsonString();

    /// <summary>The XStream-JSON (Jettison mapped) shape: one-element lists unwrapped, <c>overriddenstatus</c>, scalars as strings.</summary>
    private static JsonNode? Legacy(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(static p => p.Key).ToList())
                {
                    var value = obj[key];
                    obj.Remove(key);
                    var name = key == "overriddenStatus" ? "overriddenstatus" : key;
                    value = Legacy(value);
                    if (key is "application" or "instance" && value is JsonArray { Count: 1 } single)
                    {
                        var only = single[0];
                        single.RemoveAt(0);
                        value = only;
                    }

                    obj[name] = value;
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var item = Legacy(array[i]);
                    array[i] = null;
                    array[i] = item;
                }

                return array;
            case JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.Number:
                return JsonValue.Create(value.ToJsonString());
            default:
                return node?.DeepClone();
        }
    }

    private static string RenderXml(JsonObject document)
    {
        var (rootName, rootValue) = document.First();
        return new XDocument(ToXml(rootName, rootValue, metadata: false)).ToString(SaveOptions.DisableFormatting);
    }

    private static IEnumerable<XElement> ToXmlElements(string name, JsonNode? node, bool metadata) =>
        node is JsonArray array ? array.Select(item => ToXml(name, item, metadata)) : [ToXml(name, node, metadata)];

    /// <summary>Jackson's JSON form mirrors the XML: <c>@x</c> keys are attributes, <c>$</c> is the text, arrays repeat the element.</summary>
    private static XElement ToXml(string name, JsonNode? node, bool metadata)
    {
        var element = new XElement(XmlName(name, metadata));
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj)
            {
                if (key.StartsWith('@'))
                {
                    element.SetAttributeValue(key[1..], value?.ToString());
                }
                else if (key == "$")
                {
                    element.Add(value?.ToString());
                }
                else
                {
                    element.Add(ToXmlElements(key, value, metadata: name == "metadata"));
                }
            }
        }
        else if (node is not null)
        {
            element.Value = node.ToString();
        }

        return element;
    }

    // XStream's XML-friendly name coder: '_' is written '__' and '$' is written '_-' (metadata keys are element names).
    private static string XmlName(string name, bool metadata) =>
        XmlConvert.EncodeLocalName(metadata ? name.Replace("_", "__", StringComparison.Ordinal).Replace("$", "_-", StringComparison.Ordinal) : name);
}
