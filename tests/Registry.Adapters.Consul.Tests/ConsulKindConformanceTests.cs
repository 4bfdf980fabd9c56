using Microsoft.Extensions.DependencyInjection;
using Registry.Adapters.Testing;

namespace Registry.Adapters.Consul.Tests;

public sealed class ConsulKindConformanceTests : RegistryKindConformanceTests
{
    protected override IRegistryProvider Kind { get; } = new ConsulRegistryProvider();

    protected override IReadOnlyDictionary<string, string?> ValidSettings { get; } = new Dictionary<string, string?>
    {
        ["Address"] = "http://127.0.0.1:8500",
        ["UseEnvironment"] = "false",
    };

    protected override string TimeSpanKey => "Wait";

    protected override (string Key, string Value) InvalidSetting => ("Wait", "00:20:00");

    protected override (string Misspelt, string Nearest) MisspeltKey => ("Adress", "Address");

    protected override string CodeMethod => "AddConsul";

    protected override void AddInvalidInCode(IMeshRegistryBuilder builder, string name) =>
        builder.AddConsul(name, o =>
        {
            o.Address = "http://127.0.0.1:8500";
            o.UseEnvironment = false;
            o.Wait = TimeSpan.FromMinutes(20);
        });
}
