using System.Globalization;
using Registry.Adapters.Serialization;
using Registry.Adapters.Sync.Serialization;
using Spectre.Console;

namespace Registry.Adapters.Sync;

internal static partial class CatalogPrinter
{
    private const string Green = "32";
    private const string Red = "31";
    private const string Yellow = "33";
    private const string Grey = "90";

    /// <summary>
    /// Writes the catalog as a table (one row per instance), then the registries with state and error,
    /// fitted to the terminal width (<see cref="CliEnvironment.TerminalWidth"/>): long cells are shortened, never wrapped.
    /// </summary>
    public static void WriteTable(CatalogDocument document, CliEnvironment env)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(env);
        var colour = env.IsOutputTerminal && !env.NoColor;
        var width = env.TerminalWidth;
        if (document.Services.Count == 0)
        {
            env.Out.WriteLine("No services.");
        }
        else
        {
            var services = new TextTable("SERVICE", "INSTANCE", "REGISTRY", "ADDRESS", "HEALTH", "ZONE", "TAGS")
                .KeepAtLeast(10, 10, 8, 20, 9, 5, 4);
            foreach (var service in document.Services)
            {
                var first = true;
                foreach (var instance in service.Instances)
                {
                    services.AddRow(
                        first ? service.Name ?? "" : "",
                        instance.Id ?? "",
                        instance.Registry ?? "",
                        Address(instance),
                        Health(instance.Health ?? "unknown", instance.Stale == true),
                        instance.Zone ?? "-",
                        instance.Tags is { Count: > 0 } tags ? string.Join(',', tags) : "-");
                    first = false;
                }
            }

            services.Write(env.Out, width, colour);
        }

        env.Out.WriteLine();
        var registries = new TextTable("REGISTRY", "KIND", "STATE", "SERVICES", "INSTANCES", "SKIPPED", "ERROR")
            .KeepAtLeast(10, 6, 7, 8, 9, 7, 20);
        foreach (var registry in document.Registries)
        {
            registries.AddRow(
                registry.Name,
                registry.Kind,
                State(registry.State),
                registry.Services.ToString(CultureInfo.InvariantCulture),
                registry.Instances.ToString(CultureInfo.InvariantCulture),
                registry.Skipped.ToString(CultureInfo.InvariantCulture),
                registry.Error ?? "-");
        }

        registries.Write(env.Out, width, colour);
        env.Out.WriteLine();
        env.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Revision {document.Revision}: {document.Services.Count} services, {document.Services.Sum(static s => s.Instances.Count)} instances."));
        env.Out.Flush();
    }

    internal static IAnsiConsole CreateConsole(CliEnvironment env)
    {
        var color = env.IsOutputTerminal && !env.NoColor;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = color ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = color ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(env.Out),
        });
        console.Profile.Width = env.TerminalWidth;
        return console;
    }

    internal static string Address(InstanceDocument instance)
    {
        var host = instance.Host ?? "";
        if (host.Contains(':', StringComparison.Ordinal))
        {
            host = $"[{host}]";
        }

        return instance.Ports is { Count: > 0 } ports
            ? string.Join(' ', ports.Select(p => string.Create(CultureInfo.InvariantCulture, $"{host}:{p.Port}/{p.Name}")))
            : host;
    }

    /// <summary>The health cell: coloured on a terminal, with <c>(stale)</c> when the instance's registry failed.</summary>
    internal static Cell Health(string health, bool stale)
    {
        var colour = health switch
        {
            "healthy" => Green,
            "unhealthy" => Red,
            "draining" or "starting" => Yellow,
            _ => Grey,
        };
        return stale ? new Cell((health, colour), (" (stale)", Grey)) : new Cell(health, colour);
    }

    private static Cell State(string state) => state switch
    {
        "ready" => new Cell(state, Green),
        "stale" => new Cell(state, Yellow),
        "failed" => new Cell(state, Red),
        _ => new Cell(state),
    };
}
