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

    protected override void AddInvalidInCode(IMeshRegistryBuilder builder, string name) =>
        builder.AddEtcd(name, o =>
        {
            o.Endpoints.Add("http://127.0.0.1:2379");
            o.RequestTimeout = TimeSpan.FromSeconds(-1);
        });
}
