using System.Diagnostics;
using Registry.Adapters.Backends;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Backends;

public sealed class RegistryTracingTests
{
    [Fact]
    public void Start_NobodyListens_NullAndNothingCreated()
    {
        using var source = new ActivitySource("Registry.Adapters.Tests.Unheard");

        RegistryTracing.Start(source, RegistryTracing.Read, "r", "memory", new Uri("http://127.0.0.1:1/")).ShouldBeNull();
    }

    [Fact]
    public void StartAndFail_Listened_OpenTelemetryAttributesAndScrubbedError()
    {
        var name = "Registry.Adapters.Tests.Heard." + Guid.NewGuid().ToString("N");
        using var source = new ActivitySource(name);
        using var spans = new ActivityRecorder(name);
        var token = "tok-" + Guid.NewGuid().ToString("N");
        SecretScrubber.Register(token);

        using (var activity = RegistryTracing.Start(source, RegistryTracing.Resync, "reg-1", "consul", new Uri("https://consul.local:8501/v1"), "orders"))
        {
            RegistryTracing.Fail(activity, new RegistryException($"denied for {token}") { IsPermanent = true });
        }

        var span = spans.Of("reg-1").ShouldHaveSingleItem();
        span.OperationName.ShouldBe("registry.resync");
        span.Kind.ShouldBe(ActivityKind.Client);
        span.GetTagItem("registry.kind").ShouldBe("consul");
        span.GetTagItem("server.address").ShouldBe("consul.local");
        span.GetTagItem("server.port").ShouldBe(8501);
        span.GetTagItem("service.name").ShouldBe("orders");
        span.Status.ShouldBe(ActivityStatusCode.Error);
        span.StatusDescription.ShouldBe("denied for ***");
        span.GetTagItem("error.type").ShouldBe("permanent");
    }
}
