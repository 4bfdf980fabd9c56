using System.Text.Json.Serialization;

namespace Registry.Adapters.Eureka.Wire;

/// <summary>Root of <c>GET apps</c> and <c>GET apps/delta</c>: <c>{"applications":{...}}</c>.</summary>
internal sealed class JsonApplicationsRoot
{
    [JsonPropertyName("applications")]
    public JsonApplications? Applications { get; set; }
}

/// <summary>Root of a register body: <c>{"instance":{...}}</c>.</summary>
internal sealed class JsonRegistrationRoot
{
    [JsonPropertyName("instance")]
    public JsonRegistration? Instance { get; set; }
}

/// <summary>The <c>applications</c> object. <c>versions__delta</c> comes as a string; <c>application</c> as an object or an array.</summary>
internal sealed class JsonApplications
{
    [JsonPropertyName("versions__delta")]
    [JsonConverter(typeof(LenientLongConverter))]
    public long? VersionsDelta { get; set; }

    [JsonPropertyName("apps__hashcode")]
    public string? AppsHashCode { get; set; }

    [JsonPropertyName("application")]
    [JsonConverter(typeof(SingleOrArrayConverter<JsonApplication>))]
    public List<JsonApplication?>? Application { get; set; }
}

/// <summary>One application: its name and its instances (an object or an array).</summary>
internal sealed class JsonApplication
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("instance")]
    [JsonConverter(typeof(SingleOrArrayConverter<JsonInstance>))]
    public List<JsonInstance?>? Instance { get; set; }
}

/// <summary>
/// One instance (<c>InstanceInfo</c>) as read: only the fields the catalog uses, so the rest of each record
/// (status URLs, lease timestamps, ...) is skipped without allocating. Numbers and booleans may come as strings.
/// </summary>
internal class JsonInstance
{
    [JsonPropertyName("instanceId")]
    public string? InstanceId { get; set; }

    [JsonPropertyName("hostName")]
    public string? HostName { get; set; }

    [JsonPropertyName("app")]
    public string? App { get; set; }

    [JsonPropertyName("ipAddr")]
    public string? IpAddr { get; set; }

    [JsonPropertyName("status")]
    [JsonConverter(typeof(KnownStringConverter))]
    public string? Status { get; set; }

    /// <summary>The Jackson codec's spelling.</summary>
    [JsonPropertyName("overriddenStatus")]
    [JsonConverter(typeof(KnownStringConverter))]
    public string? OverriddenStatus { get; set; }

    /// <summary>The XStream (legacy) spelling.</summary>
    [JsonPropertyName("overriddenstatus")]
    [JsonConverter(typeof(KnownStringConverter))]
    public string? OverriddenStatusLegacy { get; set; }

    [JsonPropertyName("port")]
    public JsonPort? Port { get; set; }

    [JsonPropertyName("securePort")]
    public JsonPort? SecurePort { get; set; }

    [JsonPropertyName("dataCenterInfo")]
    public JsonDataCenterInfo? DataCenterInfo { get; set; }

    [JsonPropertyName("metadata")]
    [JsonConverter(typeof(EurekaMetadataConverter))]
    public Dictionary<string, string>? Metadata { get; set; }

    [JsonPropertyName("homePageUrl")]
    public string? HomePageUrl { get; set; }

    [JsonPropertyName("vipAddress")]
    public string? VipAddress { get; set; }

    [JsonPropertyName("secureVipAddress")]
    public string? SecureVipAddress { get; set; }

    [JsonPropertyName("actionType")]
    [JsonConverter(typeof(KnownStringConverter))]
    public string? ActionType { get; set; }

    /// <summary>The overridden status, whichever spelling carried it.</summary>
    [JsonIgnore]
    public string? EffectiveOverriddenStatus => OverriddenStatus ?? OverriddenStatusLegacy;
}

/// <summary>A register body: the instance plus what only registrations send (lease, country, dirty timestamp).</summary>
internal sealed class JsonRegistration : JsonInstance
{
    [JsonPropertyName("countryId")]
    public int CountryId { get; set; } = 1;

    [JsonPropertyName("leaseInfo")]
    public JsonLeaseInfo? LeaseInfo { get; set; }

    [JsonPropertyName("isCoordinatingDiscoveryServer")]
    [JsonConverter(typeof(LenientBoolConverter))]
    public bool? IsCoordinatingDiscoveryServer { get; set; }

    [JsonPropertyName("lastDirtyTimestamp")]
    [JsonConverter(typeof(LenientLongConverter))]
    public long? LastDirtyTimestamp { get; set; }
}

/// <summary>A port: <c>{"$": 8080, "@enabled": "true"}</c>; <c>$</c> may be a number or a numeric string.</summary>
[JsonConverter(typeof(EurekaPortConverter))]
internal sealed class JsonPort
{
    /// <summary>The port number; <see langword="null"/> when absent or not a number.</summary>
    public int? Value { get; set; }

    /// <summary>The raw <c>$</c> text when it was not a number, for the skip report.</summary>
    public string? Malformed { get; set; }

    /// <summary>The <c>@enabled</c> flag; <see langword="null"/> when absent.</summary>
    public bool? Enabled { get; set; }
}

/// <summary><c>dataCenterInfo</c>: <c>@class</c> (required on register), <c>name</c> (<c>MyOwn</c>, <c>Amazon</c>, <c>Netflix</c>), Amazon metadata.</summary>
internal sealed class JsonDataCenterInfo
{
    public const string DefaultClass = "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo";

    [JsonPropertyName("@class")]
    public string? Class { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("metadata")]
    [JsonConverter(typeof(EurekaMetadataConverter))]
    public Dictionary<string, string>? Metadata { get; set; }
}

/// <summary><c>leaseInfo</c>: numbers (read leniently).</summary>
internal sealed class JsonLeaseInfo
{
    [JsonPropertyName("renewalIntervalInSecs")]
    [JsonConverter(typeof(LenientLongConverter))]
    public long? RenewalIntervalInSecs { get; set; }

    [JsonPropertyName("durationInSecs")]
    [JsonConverter(typeof(LenientLongConverter))]
    public long? DurationInSecs { get; set; }

    [JsonPropertyName("registrationTimestamp")]
    [JsonConverter(typeof(LenientLongConverter))]
    public long? RegistrationTimestamp { get; set; }

    [JsonPropertyName("lastRenewalTimestamp")]
    [JsonConverter(typeof(LenientLongConverter))]
    public long? LastRenewalTimestamp { get; set; }

    [JsonPropertyName("evictionTimestamp")]
    [JsonConverter(typeof(LenientLongConverter))]
    public long? EvictionTimestamp { get; set; }

    [JsonPropertyName("serviceUpTimestamp")]
    [JsonConverter(typeof(LenientLongConverter))]
    public long? ServiceUpTimestamp { get; set; }
}

/// <summary>The System.Text.Json source-generated context of the wire types.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JsonApplicationsRoot))]
[JsonSerializable(typeof(JsonRegistrationRoot))]
internal sealed partial class EurekaJsonContext : JsonSerializerContext;
