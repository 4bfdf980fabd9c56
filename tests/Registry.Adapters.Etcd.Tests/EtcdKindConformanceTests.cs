using Microsoft.Extensions.Configuration;
using Shouldly;
using Xunit;
using Microsoft.Extensions.DependencyInjection;
using Registry.Adapters.Testing;

namespace Registry.Adapters.Etcd.Tests;

public sealed class EtcdKindConformanceTests : RegistryKindConformanceTests
{
    protected override IRegistryProvider Kind { get; } = new EtcdRegistryProvider();

    protected override IReadOnlyDictionary<string, string?> ValidSettings { get; } = new Dictionary<string, string?>
    {
        ["Endpoints:0"] = "http://127.0.0.1:2379",
    };

    protected override string TimeSpanKey => "RequestTimeout";

    protected override (string Key, string Value) InvalidSetting => ("RequestTimeout", "-00:00:01");

    protected override (string Misspelt, string Nearest) MisspeltKey => ("Endpoint", "Endpoints");

    protected override string CodeMethod => "AddEtcd";

    [Theory]
    [InlineData("ReconnectDelay", "Reconnect:InitialDelay")]
    [InlineData("MaxReconnectDelay", "Reconnect:MaxDelay")]
    public void Validate_RenamedReconnectKey_NamesTheNewKey(string old, string renamed)
    {
        var values = new Dictionary<string, string?>(ValidSettings.Select(p => new KeyValuePair<string, string?>("Mesh:Registries:0:" + p.Key, p.Value)))
        {
            ["Mesh:Registries:0:Kind"] = "etcd",
            ["Mesh:Registries:0:" + old] = "00:00:01",
        };
        var section = new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Mesh:Registries:0");

        Kind.Validate("r", section).ShouldHaveSingleItem().ShouldBe($"Mesh:Registries:0:{old} was renamed; set Mesh:Registries:0:{renamed} instead.");
    }

    protected override void AddInvalidInCode(IMeshRegistryBuilder builder, string name) =>
        builder.AddEtcd(name, o =>
        {
            o.Endpoints.Add("http://127.0.0.1:2379");
            o.RequestTimeout = TimeSpan.FromSeconds(-1);
        });
}
