using Microsoft.Extensions.DependencyInjection;
using Registry.Adapters.Testing;

namespace Registry.Adapters.Kubernetes.Tests;

public sealed class KubernetesKindConformanceTests : RegistryKindConformanceTests
{
    protected override IRegistryProvider Kind { get; } = new KubernetesRegistryProvider();

    protected override IReadOnlyDictionary<string, string?> ValidSettings { get; } = new Dictionary<string, string?>
    {
        ["InCluster"] = "true",
    };

    protected override string TimeSpanKey => "WatchTimeout";

    protected override (string Key, string Value) InvalidSetting => ("WatchTimeout", "02:00:00");

    protected override (string Misspelt, string Nearest) MisspeltKey => ("Namespace", "Namespaces");

    protected override string CodeMethod => "AddKubernetes";

    protected override void AddInvalidInCode(IMeshRegistryBuilder builder, string name) =>
        builder.AddKubernetes(name, o =>
        {
            o.InCluster = true;
            o.WatchTimeout = TimeSpan.FromHours(2);
        });
}
