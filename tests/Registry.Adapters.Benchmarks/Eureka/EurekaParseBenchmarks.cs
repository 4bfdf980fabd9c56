using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Registry.Adapters.Eureka;
using Registry.Adapters.Eureka.Transport;

namespace Registry.Adapters.Benchmarks.Eureka;

/// <summary>Parse a full <c>GET apps</c> payload (Jackson codec shape) and apply it to the local copy: time and allocations.</summary>
[MemoryDiagnoser]
public class EurekaParseBenchmarks
{
    private byte[] _payload = [];
    private EurekaInstanceMapper _mapper = null!;

    public static IEnumerable<int> InstanceCounts => BenchmarkSettings.Sizes(10, 1_000, 10_000);

    [ParamsSource(nameof(InstanceCounts))]
    public int Instances { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = Encoding.UTF8.GetBytes(BuildPayload(Instances));
        _mapper = new EurekaInstanceMapper(new EurekaRegistryOptions());
    }

    [Benchmark]
    public int ParseOnly() => EurekaClient.ParseApplications(_payload).Application?.Count ?? 0;

    [Benchmark]
    public int ParseAndApply()
    {
        var applications = EurekaClient.ParseApplications(_payload);
        var local = new EurekaLocalRegistry(_mapper);
        local.Load(applications, []);
        return local.Publish(local.HashCode).Count;
    }

    /// <summary>A payload of <paramref name="instances"/> instances over <c>instances / 10</c> applications, every field Eureka writes.</summary>
    internal static string BuildPayload(int instances)
    {
        var apps = new JsonArray();
        var appCount = Math.Max(1, instances / 10);
        for (var a = 0; a < appCount; a++)
        {
            var list = new JsonArray();
            for (var i = a; i < instances; i += appCount)
            {
                var host = $"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}";
                var meta = new Dictionary<string, string> { ["zone"] = $"zone-{i % 3}", ["version"] = "1.2.3", ["management.port"] = "8081" };
                var instance = Registry.Adapters.Eureka.Tests.FakeEurekaServer.InstanceJson($"APP-{a}", $"{host}:app-{a}:8080", host, 8080, i % 17 == 0 ? "DOWN" : "UP", metadata: meta);
                instance["leaseInfo"] = new JsonObject { ["renewalIntervalInSecs"] = 30, ["durationInSecs"] = 90, ["registrationTimestamp"] = 1767225600123L, ["lastRenewalTimestamp"] = 1767229200456L, ["evictionTimestamp"] = 0, ["serviceUpTimestamp"] = 1767225600001L };
                instance["isCoordinatingDiscoveryServer"] = "false";
                instance["lastUpdatedTimestamp"] = "1767225600123";
                instance["actionType"] = "ADDED";
                list.Add(instance);
            }

            apps.Add(new JsonObject { ["name"] = $"APP-{a}", ["instance"] = list });
        }

        return new JsonObject
        {
            ["applications"] = new JsonObject { ["versions__delta"] = "1", ["apps__hashcode"] = "", ["application"] = apps },
        }.ToJsonString();
    }
}
