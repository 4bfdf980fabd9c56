using System.Text.Json;
using Shouldly;

namespace Registry.Adapters.Sync.Tests.Backends;

/// <summary>One instance as <c>list --output json</c> prints it, flattened for assertions.</summary>
internal sealed record PrintedInstance(string Registry, string Service, string Id, string Host, int Port, string Health, bool Stale);

/// <summary>One registry row of the <c>registries</c> array.</summary>
internal sealed record PrintedRegistry(string Name, string Kind, string State, string? Error, int Services, int Instances);

/// <summary>A parsed <c>list --output json</c> document (or a watch snapshot line).</summary>
internal sealed class CatalogDocument
{
    private CatalogDocument(Dictionary<string, List<PrintedInstance>> services, List<PrintedRegistry> registries, long revision)
    {
        Services = services;
        Registries = registries;
        Revision = revision;
    }

    /// <summary>Mesh service name → its instances, in printed order; services in printed order.</summary>
    public Dictionary<string, List<PrintedInstance>> Services { get; }

    public List<PrintedRegistry> Registries { get; }

    public long Revision { get; }

    public IReadOnlyList<string> ServiceNames => [.. Services.Keys];

    public PrintedRegistry Registry(string name) => Registries.SingleOrDefault(r => r.Name == name)
        ?? throw new ShouldAssertException($"No registry '{name}' in [{string.Join(", ", Registries.Select(r => r.Name))}].");

    public List<PrintedInstance> Instances(string service) => Services.TryGetValue(service, out var list)
        ? list
        : throw new ShouldAssertException($"No service '{service}' in [{string.Join(", ", Services.Keys)}].");

    public static CatalogDocument Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return From(document.RootElement);
    }

    public static CatalogDocument From(JsonElement root)
    {
        var services = new Dictionary<string, List<PrintedInstance>>(StringComparer.Ordinal);
        foreach (var service in root.GetProperty("services").EnumerateArray())
        {
            services.Add(service.GetProperty("name").GetString()!, [.. service.GetProperty("instances").EnumerateArray().Select(ToInstance)]);
        }

        var registries = root.GetProperty("registries").EnumerateArray().Select(r => new PrintedRegistry(
            r.GetProperty("name").GetString()!,
            r.GetProperty("kind").GetString()!,
            r.GetProperty("state").GetString()!,
            r.GetProperty("error").GetString(),
            r.GetProperty("services").GetInt32(),
            r.GetProperty("instances").GetInt32())).ToList();
        return new CatalogDocument(services, registries, root.GetProperty("revision").GetInt64());
    }

    public static PrintedInstance ToInstance(JsonElement i)
    {
        var ports = i.GetProperty("ports");
        return new PrintedInstance(
            i.GetProperty("registry").GetString()!,
            i.GetProperty("service").GetString()!,
            i.GetProperty("id").GetString()!,
            i.GetProperty("host").GetString()!,
            ports.GetArrayLength() > 0 ? ports[0].GetProperty("port").GetInt32() : 0,
            i.GetProperty("health").GetString()!,
            i.GetProperty("stale").GetBoolean());
    }
}

/// <summary>
/// A <c>mesh-sync watch</c> running in-process with captured output, stopped as Ctrl+C stops it
/// (the program cancels the same token on SIGINT/SIGTERM).
/// </summary>
internal sealed class WatchRun : IAsyncDisposable
{
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();
    private readonly CancellationTokenSource _interrupt = new();
    private readonly Task<int> _run;

    public WatchRun(params string[] args)
    {
        var env = new CliEnvironment(TextWriter.Synchronized(_stdout), TextWriter.Synchronized(_stderr), IsOutputTerminal: false, NoColor: true);
        _run = MeshSyncCli.RunAsync(["watch", .. args], env, cancellationToken: _interrupt.Token);
    }

    public string Stdout => _stdout.ToString();

    public string Stderr => _stderr.ToString();

    /// <summary>The complete lines written so far (a line still being written is left out).</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            var text = Stdout;
            return text[..(text.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
    }

    /// <summary>Waits for a JSON line of <paramref name="type"/> that satisfies <paramref name="match"/>, and returns it.</summary>
    public async Task<JsonElement> WaitForLineAsync(string type, Func<JsonElement, bool>? match = null)
    {
        JsonElement? found = null;
        await WatchCommandTests.WaitForAsync(
            () =>
            {
                foreach (var line in Lines)
                {
                    using var json = JsonDocument.Parse(line);
                    if (json.RootElement.GetProperty("type").GetString() == type && (match is null || match(json.RootElement)))
                    {
                        found = json.RootElement.Clone();
                        return true;
                    }
                }

                return false;
            },
            _run,
            _stdout,
            _stderr);
        return found!.Value;
    }

    /// <summary>Interrupts the watch and returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        await _interrupt.CancelAsync();
        return await _run.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_run.IsCompleted)
        {
            await _interrupt.CancelAsync();
            try
            {
                await _run.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
            }
        }

        _interrupt.Dispose();
    }
}
