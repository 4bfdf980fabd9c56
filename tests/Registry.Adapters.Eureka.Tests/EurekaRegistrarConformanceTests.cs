using Microsoft.AspNetCore.Http;
using Registry.Adapters.Testing;

namespace Registry.Adapters.Eureka.Tests;

/// <summary>
/// The registrar contract against the Eureka fake: keep-alives are the heartbeats, a lost record is an instance the
/// server cancelled (or evicted), a start that fails after its first write is a status override that fails after the
/// POST of a draining instance.
/// </summary>
public sealed class EurekaRegistrarConformanceTests : ServiceRegistrarConformanceTests
{
    private FakeEurekaServer _server = null!;

    protected override TimeSpan KeepAliveInterval => TimeSpan.FromSeconds(30);

    public override async Task InitializeAsync() => _server = await FakeEurekaServer.StartAsync(Time);

    public override async Task DisposeAsync()
    {
        await DisposeOwnedAsync();
        await _server.DisposeAsync();
    }

    protected override IServiceRegistrar CreateRegistrar() => new EurekaServiceRegistrar("eureka", Options(), Time, LoggerFactory);

    protected override IServiceRegistry CreateRegistry() => new EurekaServiceRegistry("eureka", Options(), Time);

    protected override Task<long> ServerKeepAlivesAsync(ServiceInstance instance) =>
        Task.FromResult((long)_server.RenewalsOf(App(instance), instance.Id));

    protected override Task<bool> ServerHoldsAsync(ServiceInstance instance) =>
        Task.FromResult(_server.GetInstance(App(instance), instance.Id) is not null);

    protected override Task LoseRecordAsync(ServiceInstance instance)
    {
        _server.Cancel(App(instance), instance.Id);
        return Task.CompletedTask;
    }

    protected override Task TakeDownAsync() => _server.StopAsync();

    protected override Task BringUpAsync() => _server.RestartAsync();

    protected override Task<ServiceInstance> ArrangeStartFailingAfterFirstWriteAsync(ServiceInstance instance)
    {
        _server.Intercept = async context =>
        {
            if (context.Request.Method == "PUT" && context.Request.Path.Value!.EndsWith("/status", StringComparison.Ordinal))
            {
                context.Response.StatusCode = 500;
                await context.Response.WriteAsync("boom");
                return true;
            }

            return false;
        };
        return Task.FromResult(instance with { Health = HealthStatus.Draining });
    }

    protected override Task<bool> FirstWriteReachedServerAsync(ServiceInstance instance) =>
        Task.FromResult(_server.Requests.Any(r => r.Method == "POST" && r.Path == "/eureka/apps/" + App(instance)));

    private static string App(ServiceInstance instance) => instance.Service.ToUpperInvariant();

    private EurekaRegistryOptions Options()
    {
        var options = new EurekaRegistryOptions { RenewalInterval = KeepAliveInterval };
        options.ServiceUrls.Add(_server.BaseUrl);
        return options;
    }
}
