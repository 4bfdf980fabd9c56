using Registry.Adapters.Consul.Tests.Fake;
using Registry.Adapters.Testing;

namespace Registry.Adapters.Consul.Tests;

/// <summary>
/// The registrar contract against the Consul fake agent (TTL check mode): keep-alives are the TTL updates, a lost record
/// is an agent that forgot its services, a start that fails after its first write is a maintenance call that fails
/// after the register of a draining instance.
/// </summary>
public sealed class ConsulRegistrarConformanceTests : ServiceRegistrarConformanceTests
{
    private FakeConsulServer _fake = null!;

    protected override TimeSpan KeepAliveInterval => TimeSpan.FromSeconds(5);

    public override async Task InitializeAsync() => _fake = await FakeConsulServer.StartAsync(Time);

    public override async Task DisposeAsync()
    {
        await DisposeOwnedAsync();
        await _fake.DisposeAsync();
    }

    protected override IServiceRegistrar CreateRegistrar() => ConsulTestSupport.CreateRegistrar(_fake, null, LoggerFactory, Time);

    protected override IServiceRegistry CreateRegistry() => ConsulTestSupport.CreateRegistry(_fake);

    protected override Task<long> ServerKeepAlivesAsync(ServiceInstance instance) =>
        Task.FromResult((long)_fake.CountHandled("/v1/agent/check/update/service:" + instance.Id));

    protected override Task<bool> ServerHoldsAsync(ServiceInstance instance) =>
        Task.FromResult(_fake.AgentServiceIds().Contains(instance.Id)
            || _fake.GetCheck(FakeConsulServer.AgentNode, "service:" + instance.Id) is not null
            || _fake.GetCheck(FakeConsulServer.AgentNode, "_service_maintenance:" + instance.Id) is not null);

    protected override Task LoseRecordAsync(ServiceInstance instance)
    {
        _fake.ForgetAgentServices();
        return Task.CompletedTask;
    }

    protected override Task TakeDownAsync() => _fake.StopAsync();

    protected override Task BringUpAsync() => _fake.StartAsync();

    protected override Task<ServiceInstance> ArrangeStartFailingAfterFirstWriteAsync(ServiceInstance instance)
    {
        _fake.EnqueueFault("/v1/agent/service/maintenance/", FakeConsulFault.ServerError);
        return Task.FromResult(instance with { Health = HealthStatus.Draining });
    }

    protected override Task<bool> FirstWriteReachedServerAsync(ServiceInstance instance) =>
        Task.FromResult(_fake.Handled.Any(r => r.Method == "PUT" && r.Path == "/v1/agent/service/register"));
}
