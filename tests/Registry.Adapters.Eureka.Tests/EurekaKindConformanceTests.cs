using Microsoft.Extensions.DependencyInjection;
using Registry.Adapters.Testing;

namespace Registry.Adapters.Eureka.Tests;

public sealed class EurekaKindConformanceTests : RegistryKindConformanceTests
{
    protected override IRegistryProvider Kind { get; } = new EurekaRegistryProvider();

    protected override IReadOnlyDictionary<string, string?> ValidSettings { get; } = new Dictionary<string, string?>
    {
        ["ServiceUrls:0"] = "http://127.0.0.1:8761/eureka/",
    };

    protected override string TimeSpanKey => "FetchInterval";

    protected override (string Key, string Value) InvalidSetting => ("FetchInterval", "-00:00:01");

    protected override (string Misspelt, string Nearest) MisspeltKey => ("FetchIntervall", "FetchInterval");

    protected override string CodeMethod => "AddEureka";

    protected override void AddInvalidInCode(IMeshRegistryBuilder builder, string name) =>
        builder.AddEureka(name, o =>
        {
            o.ServiceUrls.Add("http://127.0.0.1:8761/eureka/");
            o.FetchInterval = TimeSpan.FromSeconds(-1);
        });
}
