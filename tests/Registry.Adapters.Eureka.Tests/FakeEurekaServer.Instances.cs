using System.Text.Json.Nodes;

namespace Registry.Adapters.Eureka.Tests;

public sealed partial class FakeEurekaServer
{
    /// <summary>A register body for an instance, in the Jackson codec's shape.</summary>
    public static JsonObject InstanceJson(string app, string id, string host, int port, string status = "UP", int? securePort = null, IDictionary<string, string>? metadata = null, string? vipAddress = null)
    {
        var meta = new JsonObject();
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            meta[key] = value;
        }

        return new JsonObject
        {
            ["instanceId"] = id,
            ["hostName"] = host,
            ["app"] = app.ToUpperInvariant(),
            ["ipAddr"] = host,
            ["status"] = status,
            ["overriddenStatus"] = "UNKNOWN",
            ["port"] = new JsonObject { ["$"] = port, ["@enabled"] = "true" },
            ["securePort"] = new JsonObject { ["$"] = securePort ?? 443, ["@enabled"] = securePort is null ? "false" : "true" },
            ["countryId"] = 1,
            ["dataCenterInfo"] = new JsonObject { ["@class"] = "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", ["name"] = "MyOwn" },
            ["leaseInfo"] = new JsonObject { ["renewalIntervalInSecs"] = 30, ["durationInSecs"] = 90 },
            ["metadata"] = meta,
            ["homePageUrl"] = $"http://{host}:{port}/",
            ["vipAddress"] = vipAddress ?? app.ToLowerInvariant(),
            ["secureVipAddress"] = vipAddress ?? app.ToLowerInvariant(),
            ["lastDirtyTimestamp"] = "1767225599000",
        };
    }

    private static string? Validate(string app, JsonObject instance)
    {
        // ApplicationResource.addInstance: 400 with a text body.
        if (string.IsNullOrWhiteSpace(instance["instanceId"]?.ToString()) && string.IsNullOrWhiteSpace(instance["hostName"]?.ToString()))
        {
            return "Missing instanceId";
        }

        if (string.IsNullOrWhiteSpace(instance["hostName"]?.ToString()))
        {
            return "Missing hostname";
        }

        if (string.IsNullOrWhiteSpace(instance["ipAddr"]?.ToString()))
        {
            return "Missing ip address";
        }

        if (string.IsNullOrWhiteSpace(instance["app"]?.ToString()))
        {
            return "Missing appName";
        }

        if (!string.Equals(instance["app"]!.ToString().ToUpperInvariant(), app, StringComparison.Ordinal))
        {
            return $"Mismatched appName, expecting {app} but was {instance["app"]}";
        }

        if (instance["dataCenterInfo"] is not JsonObject dataCenter || dataCenter["@class"] is null)
        {
            return "Missing dataCenterInfo";
        }

        return dataCenter["name"] is null ? "Missing dataCenterInfo Name" : null;
    }

    /// <summary>Whether <paramref name="status"/> is an <c>InstanceStatus</c> name (<c>InstanceStatus.valueOf</c> throws otherwise: a 500).</summary>
    public static bool IsStatus(string? status) => status is "UP" or "DOWN" or "STARTING" or "OUT_OF_SERVICE" or "UNKNOWN";

    // InstanceStatus.toEnum: case-insensitive, unknown strings are UNKNOWN; absent is UP.
    private static string NormalizeStatus(string? status) => status?.ToUpperInvariant() switch
    {
        null => "UP",
        "UP" or "DOWN" or "STARTING" or "OUT_OF_SERVICE" or "UNKNOWN" => status.ToUpperInvariant(),
        _ => "UNKNOWN",
    };

    private static string Id(JsonObject instance) =>
        instance["instanceId"]?.ToString() is { Length: > 0 } id ? id : instance["hostName"]!.ToString();
}
