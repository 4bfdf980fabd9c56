using Registry.Adapters.Testing;

namespace Registry.Adapters.Tests.Registries;

/// <summary>
/// The conformance suite over the File registry. Edits replace the file by rename (atomic, like an editor);
/// a forced resync deletes the file and writes it again (continuity lost); a break writes malformed JSON.
/// </summary>
public class FileRegistryConformanceTests : ServiceRegistryConformanceTests
{
    private CatalogFile _file = null!;
    private FileRegistry? _registry;

    /// <summary>Whether the registry uses file-system notifications (else it polls only).</summary>
    protected virtual bool UseFileSystemWatcher => true;

    public override Task InitializeAsync()
    {
        _file = new CatalogFile();
        _file.WriteByRename();
        return Task.CompletedTask;
    }

    public override Task DisposeAsync()
    {
        _file.Dispose();
        return Task.CompletedTask;
    }

    protected override Task<IServiceRegistry> CreateRegistryAsync()
    {
        _registry = new FileRegistry(
            "file",
            new FileRegistryOptions { Path = _file.Path, PollInterval = TimeSpan.FromMilliseconds(200), ChangeDelay = TimeSpan.FromMilliseconds(20), UseFileSystemWatcher = UseFileSystemWatcher });
        return Task.FromResult<IServiceRegistry>(_registry);
    }

    protected override Task PutAsync(ServiceInstance instance)
    {
        _file.Put(instance);
        _file.WriteByRename();
        return Task.CompletedTask;
    }

    protected override Task RemoveAsync(ServiceInstance instance)
    {
        _file.Remove(instance);
        _file.WriteByRename();
        return Task.CompletedTask;
    }

    protected override Task<bool> PutInvalidAsync(string service, int index)
    {
        _file.PutInvalid(CreateInstance(service, index));
        _file.WriteByRename();
        return Task.FromResult(true);
    }

    protected override async Task ForceResyncAsync()
    {
        var seen = _registry?.MissingObservations ?? 0;
        File.Delete(_file.Path);
        if (UseFileSystemWatcher)
        {
            // The deletion notification marks continuity lost whenever it is delivered.
            await Task.Delay(TimeSpan.FromMilliseconds(300));
        }
        else
        {
            // Polling only: rewrite once a poll has seen the file gone (a machine under load may poll late).
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            while (_registry is not null && _registry.MissingObservations == seen && !timeout.IsCancellationRequested)
            {
                await Task.Delay(20);
            }
        }

        _file.WriteInPlace();
    }

    protected override Task BreakAsync()
    {
        _file.WriteByRename("{ \"services\": [ { \"name\": \"orders\", ");
        return Task.CompletedTask;
    }

    protected override Task HealAsync()
    {
        _file.WriteByRename();
        return Task.CompletedTask;
    }
}

/// <summary>The same suite with polling only, as on file systems without notifications or with no inotify instances left.</summary>
public sealed class FileRegistryPollingConformanceTests : FileRegistryConformanceTests
{
    protected override bool UseFileSystemWatcher => false;
}
