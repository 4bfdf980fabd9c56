using System.Text;
using System.Text.Json;
using Registry.Adapters.Eureka.Transport;
using Registry.Adapters.Eureka.Wire;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Eureka.Tests;

public sealed class EurekaWireTests
{
    private static EurekaLocalRegistry Load(string json, EurekaRegistryOptions? options = null, List<SkippedRecord>? skipped = null)
    {
        var local = new EurekaLocalRegistry(new EurekaInstanceMapper(options ?? new EurekaRegistryOptions()));
        local.Load(EurekaClient.ParseApplications(Encoding.UTF8.GetBytes(json)), skipped ?? []);
        local.Publish(local.HashCode);
        return local;
    }

    private static IReadOnlyDictionary<string, IReadOnlyList<ServiceInstance>> Services(EurekaLocalRegistry local) => local.Snapshot(null, []).Services;

    [Fact]
    public void Parse_LegacySingleApplicationObject_ReadsBothInstancesWithoutClassInMetadata()
    {
        var local = Load(EurekaPayloads.LegacyAppsSingleApplication);

        var billing = Services(local)["BILLING"];
        billing.Count.ShouldBe(2);
        var a = billing.Single(i => i.Id == "billing-host-a:billing:8080");
        a.Host.ShouldBe("billing-host-a.internal");
        a.Health.ShouldBe(HealthStatus.Healthy);
        a.Zone.ShouldBe("zone-a");
        a.Ports.ShouldBe([new ServicePort("http", 8080, "http")]);
        a.Metadata["management.port"].ShouldBe("8081");
        var b = billing.Single(i => i.Id == "billing-host-b:billing:8080");
        b.Health.ShouldBe(HealthStatus.Unhealthy);
        b.Metadata.Keys.ShouldNotContain("@class");
        b.Metadata.Keys.ShouldBe(["vipAddress", "secureVipAddress", "homePageUrl"], ignoreOrder: true);
        local.HashCode.ShouldBe("DOWN_1_UP_1_");
    }

    [Fact]
    public void Parse_InstanceAsSingleObject_ReadsAmazonZoneAndSecurePort()
    {
        using var ledger = JsonDocument.Parse(EurekaPayloads.LedgerApplicationSingleInstance);
        var json = "{\"applications\":{\"versions__delta\":\"3\",\"apps__hashcode\":\"UP_1_\",\"application\":" + ledger.RootElement.GetProperty("application").GetRawText() + "}}";

        var instance = Services(Load(json))["LEDGER"].ShouldHaveSingleItem();

        instance.Id.ShouldBe("i-0a1b2c3d4e5f60718");
        instance.Zone.ShouldBe("us-east-1c");
        instance.Ports.ShouldBe([new ServicePort("http", 7101, "http"), new ServicePort("https", 7102, "https")]);
        instance.Metadata["stack"].ShouldBe("prod");
        instance.Metadata["vipAddress"].ShouldBe("ledger-vip");
        instance.Metadata["secureVipAddress"].ShouldBe("ledger-secure-vip");
    }

    [Fact]
    public void Parse_JacksonArrays_MapsOverriddenStatusToDrainingAndComputesHash()
    {
        var local = Load(EurekaPayloads.JacksonApps);

        var services = Services(local);
        services["BILLING"].Count.ShouldBe(2);
        services["LEDGER"].Single(i => i.Id == "l2").Health.ShouldBe(HealthStatus.Draining);
        services["LEDGER"].Single(i => i.Id == "l1").Ports.ShouldBe([new ServicePort("http", 7101, "http")], "a disabled secure port is omitted");
        local.HashCode.ShouldBe("OUT_OF_SERVICE_1_UP_3_");
    }

    [Fact]
    public void ApplyDelta_WireNotesDelta_MatchesServerHashAndChangesOnlyWhatChanged()
    {
        var local = Load(EurekaPayloads.JacksonApps);
        var before = Services(local);
        var delta = EurekaClient.ParseApplications(Encoding.UTF8.GetBytes(EurekaPayloads.JacksonDelta));

        local.ApplyDelta(delta, []);
        var changes = local.Publish(local.HashCode);

        local.HashCode.ShouldBe(delta.AppsHashCode);
        local.HashCode.ShouldBe("UP_4_");
        var services = Services(local);
        services["BILLING"].Select(i => i.Id).ShouldBe(["b2", "b3"]);
        services["LEDGER"].Select(i => i.Id).ShouldBe(["l1", "l2"]);
        services["LEDGER"].Single(i => i.Id == "l2").Health.ShouldBe(HealthStatus.Healthy);
        changes.Select(c => c.Service).ShouldBe(["BILLING", "LEDGER"], ignoreOrder: true);
        before["BILLING"].Select(i => i.Id).ShouldBe(["b1", "b2"], "published lists are immutable snapshots");
    }

    [Fact]
    public void ApplyDelta_SameDeltaTwice_SecondPublishesNothing()
    {
        var local = Load(EurekaPayloads.JacksonApps);
        var delta = EurekaClient.ParseApplications(Encoding.UTF8.GetBytes(EurekaPayloads.JacksonDelta));
        local.ApplyDelta(delta, []);
        local.Publish(null);

        local.ApplyDelta(delta, []);

        local.Publish(null).ShouldBeEmpty("the server repeats deltas within its retention window");
        local.HashCode.ShouldBe("UP_4_");
    }

    [Fact]
    public void HashCode_StatusesInAlphabeticalOrder()
    {
        var local = Load(Apps(("A", "a1", "UP"), ("A", "a2", "DOWN"), ("B", "b1", "UP"), ("B", "b2", "STARTING"), ("B", "b3", "DOWN"), ("C", "c1", "weird"), ("C", "c2", "UP"), ("C", "c3", "UP"), ("C", "c4", "UP")));

        local.HashCode.ShouldBe("DOWN_2_STARTING_1_UNKNOWN_1_UP_5_");
    }

    [Fact]
    public void HashCode_EmptyRegistry_IsEmptyString()
    {
        var local = Load("""{"applications":{"versions__delta":"1","apps__hashcode":"","application":[]}}""");

        local.HashCode.ShouldBe(string.Empty);
        Services(local).ShouldBeEmpty();
    }

    [Fact]
    public void Parse_StringsWhereNumbersAreExpected_AreRead()
    {
        var json = """
            {"applications":{"versions__delta":7,"apps__hashcode":"UP_1_","application":[{"name":"ORDERS","instance":{
              "instanceId":"o1","hostName":"o1.internal","app":"ORDERS","ipAddr":"10.0.0.1","status":"UP",
              "port":{"$":"8080","@enabled":"true"},"securePort":{"$":"8443","@enabled":true},"countryId":"1",
              "leaseInfo":{"renewalIntervalInSecs":"30","durationInSecs":"90"},"metadata":{"weight":10,"canary":false},
              "isCoordinatingDiscoveryServer":false,"lastUpdatedTimestamp":1767225600000,"lastDirtyTimestamp":"1767225599000"}}]}}
            """;

        var parsed = EurekaClient.ParseApplications(Encoding.UTF8.GetBytes(json));
        var instance = Services(Load(json))["ORDERS"].ShouldHaveSingleItem();

        parsed.VersionsDelta.ShouldBe(7);
        instance.Ports.ShouldBe([new ServicePort("http", 8080, "http"), new ServicePort("https", 8443, "https")]);
        instance.Metadata["weight"].ShouldBe("10");
        instance.Metadata["canary"].ShouldBe("false");
    }

    [Fact]
    public void Map_DisabledPortAndOverriddenStatusSpellings_FollowEureka()
    {
        var json = """
            {"applications":{"apps__hashcode":"UP_3_","application":[{"name":"ORDERS","instance":[
              {"instanceId":"o1","hostName":"o1","ipAddr":"10.0.0.1","status":"UP","overriddenstatus":"OUT_OF_SERVICE","port":{"$":80,"@enabled":"false"},"securePort":{"$":443,"@enabled":"true"}},
              {"instanceId":"o2","hostName":"o2","ipAddr":"10.0.0.2","status":"UP","overriddenStatus":"UNKNOWN","port":{"$":8080,"@enabled":"true"}},
              {"instanceId":"o3","hostName":"o3","ipAddr":"10.0.0.3","status":"UP","overriddenStatus":"DOWN","port":{"$":8080}}]}]}}
            """;

        var orders = Services(Load(json))["ORDERS"];

        orders[0].Ports.ShouldBe([new ServicePort("https", 443, "https")]);
        orders[0].Health.ShouldBe(HealthStatus.Draining);
        orders[1].Health.ShouldBe(HealthStatus.Healthy);
        orders[2].Health.ShouldBe(HealthStatus.Unhealthy);
        orders[2].Ports.ShouldBe([new ServicePort("http", 8080, "http")], "a port without @enabled is enabled");
    }

    [Fact]
    public void Map_PreferIpAddressAndVipNaming_UseIpAndEachVip()
    {
        var json = """
            {"applications":{"apps__hashcode":"UP_1_","application":[{"name":"ORDERS","instance":[
              {"hostName":"o1.internal","app":"ORDERS","ipAddr":"10.0.0.1","status":"UP","port":{"$":8080,"@enabled":"true"},"vipAddress":"orders,orders-v2"}]}]}}
            """;

        var services = Services(Load(json, new EurekaRegistryOptions { PreferIpAddress = true, UseVipAddress = true }));

        services.Keys.ShouldBe(["orders", "orders-v2"], ignoreOrder: true);
        var instance = services["orders"].ShouldHaveSingleItem();
        instance.Host.ShouldBe("10.0.0.1");
        instance.Id.ShouldBe("o1.internal:ORDERS:8080", "without instanceId the id is hostName:app:port, the app name as Eureka spells it");
    }

    [Fact]
    public void Load_BadRecords_AreSkippedAndReportedNeighboursKept()
    {
        var json = """
            {"applications":{"apps__hashcode":"UP_6_","application":[
              {"name":"ORD/ERS","instance":[{"instanceId":"x1","hostName":"x1","ipAddr":"10.0.0.9","status":"UP","port":{"$":8080,"@enabled":"true"}}]},
              {"name":"ORDERS","instance":[
                {"instanceId":"o1","hostName":"o1","ipAddr":"10.0.0.1","status":"UP","port":{"$":8080,"@enabled":"true"}},
                {"instanceId":"o2","hostName":"o2","ipAddr":"10.0.0.2","status":"UP","port":{"$":70000,"@enabled":"true"}},
                {"instanceId":"o3","hostName":"o3","ipAddr":"10.0.0.3","status":"UP","port":{"$":"eighty","@enabled":"true"}},
                {"instanceId":"../o4","hostName":"o4","ipAddr":"10.0.0.4","status":"UP","port":{"$":8080,"@enabled":"true"}},
                {"instanceId":"o5","hostName":"bad host!","ipAddr":"10.0.0.5","status":"UP","port":{"$":8080,"@enabled":"true"}},
                42]}]}}
            """;
        var skipped = new List<SkippedRecord>();

        var local = Load(json, skipped: skipped);

        Services(local).Keys.ShouldBe(["ORDERS"]);
        Services(local)["ORDERS"].ShouldHaveSingleItem().Id.ShouldBe("o1");
        skipped.Count.ShouldBe(6);
        skipped.ShouldContain(s => s.Key.StartsWith("ORD/ERS", StringComparison.Ordinal) && s.Reason.Contains('/', StringComparison.Ordinal));
        skipped.ShouldContain(s => s.Reason.Contains("70000", StringComparison.Ordinal));
        skipped.ShouldContain(s => s.Reason.Contains("eighty", StringComparison.Ordinal));
        local.HashCode.ShouldBe("UP_6_", "skipped instances still count in the hash, as on the server");
    }

    [Fact]
    public void Parse_MalformedJson_Throws()
    {
        Should.Throw<JsonException>(() => EurekaClient.ParseApplications("""{"applications":{"application":[{"name":"A","instance":[{"instanceId":"""u8));
        Should.Throw<JsonException>(() => EurekaClient.ParseApplications("""{"nothing":1}"""u8));
    }

    [Fact]
    public void Serialize_RegisterBody_HasDataCenterClassAndPortForm()
    {
        var instance = new ServiceInstance
        {
            Service = "billing",
            Id = "billing-1",
            Host = "10.30.1.24",
            Ports = [new ServicePort("http", 8080, "http")],
            Zone = "zone-b",
        };
        var body = EurekaServiceRegistrar.BuildInstance(instance, "UP", 1767229500000, new EurekaRegistryOptions());

        var json = JsonSerializer.Serialize(new JsonRegistrationRoot { Instance = body }, EurekaJsonContext.Default.JsonRegistrationRoot);
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement.GetProperty("instance");

        root.GetProperty("app").GetString().ShouldBe("BILLING");
        root.GetProperty("dataCenterInfo").GetProperty("@class").GetString().ShouldBe("com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo");
        root.GetProperty("dataCenterInfo").GetProperty("name").GetString().ShouldBe("MyOwn");
        root.GetProperty("port").GetProperty("$").GetInt32().ShouldBe(8080);
        root.GetProperty("port").GetProperty("@enabled").GetString().ShouldBe("true");
        root.GetProperty("securePort").GetProperty("@enabled").GetString().ShouldBe("false");
        root.GetProperty("leaseInfo").GetProperty("durationInSecs").GetString().ShouldBe("90");
        root.GetProperty("countryId").GetInt32().ShouldBe(1);
        root.GetProperty("metadata").GetProperty("zone").GetString().ShouldBe("zone-b");
        root.GetProperty("lastDirtyTimestamp").GetString().ShouldBe("1767229500000");
        root.GetProperty("vipAddress").GetString().ShouldBe("billing");
    }

    internal static string Apps(params (string App, string Id, string Status)[] instances)
    {
        var apps = instances.GroupBy(i => i.App).Select(g => new
        {
            name = g.Key,
            instance = g.Select(i => new Dictionary<string, object>
            {
                ["instanceId"] = i.Id,
                ["hostName"] = i.Id + ".internal",
                ["app"] = g.Key,
                ["ipAddr"] = "10.0.0.1",
                ["status"] = i.Status,
                ["port"] = new Dictionary<string, object> { ["$"] = 8080, ["@enabled"] = "true" },
            }).ToArray(),
        });
        return JsonSerializer.Serialize(new { applications = new Dictionary<string, object> { ["versions__delta"] = "1", ["apps__hashcode"] = "", ["application"] = apps } });
    }
}
