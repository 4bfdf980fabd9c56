using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Etcd.Tests;

public sealed class EtcdRecordCodecTests
{
    private static readonly EtcdRecordCodec Mesh = new(new EtcdRegistryOptions());
    private static readonly EtcdRecordCodec Kratos = new(new EtcdRegistryOptions { Format = EtcdKeyFormat.Kratos });

    [Theory]
    [InlineData("/mesh/services", "/mesh/services/")]
    [InlineData("/mesh/services/", "/mesh/services/")]
    [InlineData(null, "/mesh/services/")]
    public void EffectivePrefix_AlwaysEndsWithSlash(string? prefix, string expected) =>
        new EtcdRegistryOptions { Prefix = prefix }.EffectivePrefix.ShouldBe(expected);

    [Fact]
    public void EffectivePrefix_Kratos_DefaultsToMicroservices() =>
        new EtcdRegistryOptions { Format = EtcdKeyFormat.Kratos }.EffectivePrefix.ShouldBe("/microservices/");

    [Fact]
    public void PrefixEnd_IncrementsLastByteWithCarry()
    {
        EtcdRecordCodec.PrefixEnd("/a/"u8.ToArray()).ShouldBe("/a0"u8.ToArray());
        EtcdRecordCodec.PrefixEnd([0x61, 0xff]).ShouldBe(new byte[] { 0x62 });
        EtcdRecordCodec.PrefixEnd([0xff]).ShouldBe(new byte[] { 0 });
    }

    [Fact]
    public void Decode_MeshValue_KeyNamesServiceAndId()
    {
        var record = Mesh.Decode(
            "/mesh/services/orders/o-1"u8,
            """{"host":"10.0.0.5","ports":[{"name":"http","port":8080,"protocol":"http"}],"zone":"us-east-1a","tags":["v1"],"metadata":{"version":"1.2"},"health":"Draining"}"""u8);

        record.Error.ShouldBeNull();
        var instance = record.Instance.ShouldNotBeNull();
        instance.Service.ShouldBe("orders");
        instance.Id.ShouldBe("o-1");
        instance.Host.ShouldBe("10.0.0.5");
        instance.Ports.ShouldBe([new ServicePort("http", 8080, "http")]);
        instance.Health.ShouldBe(HealthStatus.Draining);
        instance.Zone.ShouldBe("us-east-1a");
        instance.Tags.ShouldBe(["v1"]);
        instance.Metadata["version"].ShouldBe("1.2");
    }

    [Fact]
    public void Decode_MeshValueWithoutHealth_IsHealthy() =>
        Mesh.Decode("/mesh/services/orders/o-1"u8, """{"host":"orders.internal"}"""u8).Instance!.Health.ShouldBe(HealthStatus.Healthy);

    [Theory]
    [InlineData("/mesh/services/orders/o-1", "nope", "not valid JSON")]
    [InlineData("/mesh/services/orders/o-1", "null", "JSON null")]
    [InlineData("/mesh/services/orders/o-1", "[1,2]", "not valid JSON")]
    [InlineData("/mesh/services/orders/o-1", """{"id":"o-1"}""", "host")]
    [InlineData("/mesh/services/orders/o-1", """{"host":"bad host!"}""", "host")]
    [InlineData("/mesh/services/orders/o-1", """{"host":"h","ports":[{"name":"http","port":"80"}]}""", "not valid JSON")]
    [InlineData("/mesh/services/orders/o-1", """{"host":"h","ports":[{"name":"http","port":0}]}""", "out of range")]
    [InlineData("/mesh/services/orders/o-1", """{"host":"h","health":"sleepy"}""", "health")]
    [InlineData("/mesh/services/orders/o-1", """{"host":"h","tags":[null]}""", "null")]
    [InlineData("/mesh/services/orders/..", """{"host":"h"}""", "..")]
    [InlineData("/mesh/services/../o-1", """{"host":"h"}""", "..")]
    [InlineData("/mesh/services/orders", """{"host":"h"}""", "{service}/{instanceId}")]
    [InlineData("/mesh/services/orders/", """{"host":"h"}""", "{service}/{instanceId}")]
    [InlineData("/mesh/services/orders/a/b", """{"host":"h"}""", "'/'")]
    public void Decode_BadRecord_IsSkippedWithReason(string key, string value, string reason)
    {
        var record = Mesh.Decode(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));

        record.Instance.ShouldBeNull();
        record.Error.ShouldNotBeNull().ShouldContain(reason);
    }

    [Fact]
    public void Decode_KeyWithInvalidUtf8_IsSkipped() =>
        Mesh.Decode([.. "/mesh/services/"u8, 0xff, .. "/x"u8], """{"host":"h"}"""u8).Error.ShouldNotBeNull().ShouldContain("UTF-8");

    [Fact]
    public void Decode_OversizedValue_IsSkipped()
    {
        var codec = new EtcdRecordCodec(new EtcdRegistryOptions { MaxValueBytes = 300 });
        var value = Encoding.UTF8.GetBytes("{\"host\":\"h\",\"metadata\":{\"pad\":\"" + new string('x', 400) + "\"}}");

        codec.Decode("/mesh/services/orders/o-1"u8, value).Error.ShouldNotBeNull().ShouldContain("MaxValueBytes");
    }

    [Fact]
    public void Decode_ValueNamingAnotherService_KeyWinsAndMismatchIsReported()
    {
        var record = Mesh.Decode("/mesh/services/orders/o-1"u8, """{"service":"billing","id":"o-1","host":"h"}"""u8);

        record.Instance!.Service.ShouldBe("orders");
        record.Mismatch.ShouldNotBeNull().ShouldContain("billing");
    }

    [Fact]
    public async Task EncodeValue_Mesh_IsTheListInstanceShapeAndTheFileRegistryReadsIt()
    {
        var instance = new ServiceInstance { Service = "orders", Id = "o-1", Host = "10.0.0.5", Ports = [new ServicePort("http", 8080, "http")] };

        var value = Mesh.EncodeValue(instance);
        using var json = System.Text.Json.JsonDocument.Parse(value);

        // Every field of an instances[] item of list --output json but registry and stale, also when empty.
        json.RootElement.EnumerateObject().Select(static p => p.Name).ShouldBe(["service", "id", "host", "ports", "health", "zone", "tags", "metadata"]);
        var file = Encoding.UTF8.GetBytes($$"""{"services":[{"name":"orders","instances":[{{Encoding.UTF8.GetString(value)}}]}]}""");
        var path = Path.Combine(Path.GetTempPath(), $"etcd-value-{Guid.NewGuid():n}.json");
        File.WriteAllBytes(path, file);
        try
        {
            using var services = new ServiceCollection().BuildServiceProvider();
            await using var registry = new FileRegistryProvider().Create("file", new FileRegistryOptions { Path = path }, services);
            (await registry.ReadAsync()).Services["orders"].ShouldHaveSingleItem().ShouldBe(instance);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void EncodeDecode_Mesh_RoundTrips()
    {
        var instance = new ServiceInstance
        {
            Service = "orders",
            Id = "o-1",
            Host = "10.0.0.5",
            Ports = [new ServicePort("http", 8080, "http"), new ServicePort("grpc", 9090, "grpc")],
            Health = HealthStatus.Starting,
            Zone = "z1",
            Tags = ["a", "b"],
            Metadata = new Dictionary<string, string> { ["k"] = "v" },
        };

        var value = Mesh.EncodeValue(instance);

        Encoding.UTF8.GetString(Mesh.EncodeKey(instance)).ShouldBe("/mesh/services/orders/o-1");
        Encoding.UTF8.GetString(value).ShouldContain("\"health\":\"starting\"");
        Mesh.Decode(Mesh.EncodeKey(instance), value).Instance.ShouldBe(instance);
    }

    [Fact]
    public void Decode_Kratos_WireExample()
    {
        var record = Kratos.Decode(
            "/microservices/billing/9f3c2a10"u8,
            """{"id":"9f3c2a10","name":"billing","version":"v1.4.2","metadata":{"zone":"eu-west-1b"},"endpoints":["http://10.20.1.7:8000?isSecure=false","grpc://10.20.1.7:9000?isSecure=false"]}"""u8);

        var instance = record.Instance.ShouldNotBeNull();
        instance.Host.ShouldBe("10.20.1.7");
        instance.Ports.ShouldBe([new ServicePort("http", 8000, "http"), new ServicePort("grpc", 9000, "grpc")]);
        instance.Zone.ShouldBe("eu-west-1b");
        instance.Metadata.ShouldContainKeyAndValue("version", "v1.4.2");
        instance.Health.ShouldBe(HealthStatus.Healthy);
    }

    [Theory]
    [InlineData("""{"id":"x","name":"billing","endpoints":[]}""", "no endpoints")]
    [InlineData("""{"id":"x","name":"billing","endpoints":["10.0.0.1:80"]}""", "scheme://host:port")]
    [InlineData("""{"id":"x","name":"billing","endpoints":["http://10.0.0.1:80","grpc://10.0.0.2:90"]}""", "more than one host")]
    [InlineData("""{"id":"x","name":"billing","metadata":null}""", "no endpoints")]
    public void Decode_BadKratos_IsSkipped(string value, string reason) =>
        Kratos.Decode("/microservices/billing/x"u8, Encoding.UTF8.GetBytes(value)).Error.ShouldNotBeNull().ShouldContain(reason);

    [Fact]
    public void Decode_KratosSecureAndRepeatedSchemes_NamesPorts()
    {
        var instance = Kratos.Decode(
            "/microservices/billing/x"u8,
            """{"id":"x","name":"billing","endpoints":["http://h:80?isSecure=true","http://h:81","grpc://h:90"]}"""u8).Instance!;

        instance.Ports.ShouldBe([new ServicePort("http", 80, "https"), new ServicePort("http-2", 81, "http"), new ServicePort("grpc", 90, "grpc")]);
    }

    [Fact]
    public void EncodeDecode_Kratos_RoundTripsHealthZoneAndVersion()
    {
        var instance = new ServiceInstance
        {
            Service = "billing",
            Id = "b-1",
            Host = "10.0.0.9",
            Ports = [new ServicePort("http", 8000, "http"), new ServicePort("grpc", 9000, "grpc")],
            Health = HealthStatus.Draining,
            Zone = "z2",
            Metadata = new Dictionary<string, string> { ["version"] = "v3" },
        };

        var value = Kratos.EncodeValue(instance);

        Encoding.UTF8.GetString(Kratos.EncodeKey(instance)).ShouldBe("/microservices/billing/b-1");
        Kratos.Decode(Kratos.EncodeKey(instance), value).Instance.ShouldBe(instance);
    }
}
