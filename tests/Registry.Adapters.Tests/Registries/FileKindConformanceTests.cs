using Microsoft.Extensions.DependencyInjection;
using Registry.Adapters.Testing;

namespace Registry.Adapters.Tests.Registries;

public sealed class FileKindConformanceTests : RegistryKindConformanceTests
{
    protected override IRegistryProvider Kind { get; } = new FileRegistryProvider();

    protected override IReadOnlyDictionary<string, string?> ValidSettings { get; } = new Dictionary<string, string?> { ["Path"] = "catalog.json" };

    protected override string TimeSpanKey => "PollInterval";

    protected override (string Key, string Value) InvalidSetting => ("MaxFileSizeBytes", "0");

    protected override (string Misspelt, string Nearest) MisspeltKey => ("Pth", "Path");

    protected override string CodeMethod => "AddFile";

    // A file is polled, not reconnected to, and has no TLS.
    protected override bool Reconnects => false;

    protected override bool HasPemTls => false;

    protected override void AddInvalidInCode(IMeshRegistryBuilder builder, string name) =>
        builder.AddFile(name, o =>
        {
            o.Path = "catalog.json";
            o.MaxFileSizeBytes = 0;
        });
}
