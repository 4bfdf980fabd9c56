using System.Globalization;
using Registry.Adapters.Serialization;
using Spectre.Console;

namespace Registry.Adapters.Sync;

internal static partial class CatalogPrinter
{
    /// <summary>Writes the catalog as a table (one row per instance), then the registries with state and error.</summary>
    public static void WriteTable(CatalogDocument document, CliEnvironment env)
    {
        // Spectre pads every cell to the table width: render to a buffer and trim each line's end.
        using var buffer = new StringWriter(CultureInfo.InvariantCulture);
        var console = CreateConsole(env with { Out = buffer });
        var services = new Table { Border = TableBorder.Simple };
        services.AddColumns("SERVICE", "INSTANCE", "REGISTRY", "ADDRESS", "HEALTH", "ZONE", "TAGS");
        foreach (var service in document.Services)
        {
            var first = true;
            foreach (var instance in service.Instances)
            {
                services.AddRow(
                    first ? Markup.Escape(service.Name ?? "") : "",
                    Markup.Escape(instance.Id ?? ""),
                    Markup.Escape(instance.Registry ?? ""),
                    Markup.Escape(Address(instance)),
                    Health(instance.Health ?? "unknown", instance.Stale),
                    Markup.Escape(instance.Zone ?? "-"),
                    Markup.Escape(instance.Tags is { Count: > 0 } tags ? string.Join(',', tags) : "-"));
                first = false;
            }
        }

        if (document.Services.Count == 0)
        {
            console.WriteLine("No services.");
        }
        else
        {
            console.Write(services);
        }

        var registries = new Table { Border = TableBorder.Simple };
        registries.AddColumns("REGISTRY", "KIND", "STATE", "SERVICES", "INSTANCES", "SKIPPED", "ERROR");
        foreach (var registry in document.Registries)
        {
            registries.AddRow(
                Markup.Escape(registry.Name),
                Markup.Escape(registry.Kind),
                State(registry.State),
                registry.Services.ToString(CultureInfo.InvariantCulture),
                registry.Instances.ToString(CultureInfo.InvariantCulture),
                registry.Skipped.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(registry.Error ?? "-"));
        }

        console.Write(registries);
        console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Revision {document.Revision}: {document.Services.Count} services, {document.Services.Sum(static s => s.Instances.Count)} instances."));
        var lines = buffer.ToString().Split('\n').Select(static l => l.TrimEnd()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        var previousBlank = true;
        foreach (var line in lines)
        {
            var blank = line.Length == 0;
            if (!(blank && previousBlank))
            {
                env.Out.WriteLine(line);
            }

            previousBlank = blank;
        }

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
        console.Profile.Width = env.IsOutputTerminal ? env.TerminalWidth : 200;
        return console;
    }

    internal static string Address(CatalogInstanceDocument instance)
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

    private static string Health(string health, bool stale)
    {
        var color = health switch
        {
            "healthy" => "green",
            "unhealthy" => "red",
            "draining" or "starting" => "yellow",
            _ => "grey",
        };
        return $"[{color}]{Markup.Escape(health)}[/]{(stale ? " [grey](stale)[/]" : "")}";
    }

    private static string State(string state) => state switch
    {
        "ready" => "[green]ready[/]",
        "stale" => "[yellow]stale[/]",
        "failed" => "[red]failed[/]",
        _ => Markup.Escape(state),
    };
}
