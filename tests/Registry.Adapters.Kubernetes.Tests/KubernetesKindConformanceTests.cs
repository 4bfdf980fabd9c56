using Microsoft.Extensions.Configuration;
using Shouldly;
using Xunit;
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

    // TLS comes from the kubeconfig (or the service account's ca.crt).
    protected override bool HasPemTls => false;

    [Theory]
    [InlineData("RetryInitialDelay", "Reconnect:InitialDelay")]
    [InlineData("RetryMaxDelay", "Reconnect:MaxDelay")]
    public void Validate_RenamedReconnectKey_NamesTheNewKey(string old, string renamed)
    {
        var values = new Dictionary<string, string?>(ValidSettings.Select(p => new KeyValuePair<string, string?>("Mesh:Registries:0:" + p.Key, p.Value)))
        {
            ["Mesh:Registries:0:Kind"] = "kubernetes",
            ["Mesh:Registries:0:" + old] = "00:00:01",
        };
        var section = new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("Mesh:Registries:0");

        Kind.Validate("r", section).ShouldHaveSingleItem().ShouldBe($"Mesh:Registries:0:{old} was renamed; set Mesh:Registries:0:{renamed} instead.");
    }

    protected override void AddInvalidInCode(IMeshRegistryBuilder builder, string name) =>
        builder.AddKubernetes(name, o =>
        {
            o.InCluster = true;
            o.WatchTimeout = TimeSpan.FromHours(2);
        });
}
