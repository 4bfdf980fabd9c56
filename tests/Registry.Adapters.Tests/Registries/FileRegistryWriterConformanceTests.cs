using Registry.Adapters.Testing;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Registries;

/// <summary>The writer conformance suite over the File registry, plus what is the File writer's own (atomic rename, a broken file kept).</summary>
public class FileRegistryWriterConformanceTests : ServiceRegistryWriterConformanceTests
{
    private CatalogFile _file = null!;

    public override Task InitializeAsync()
    {
        _file = new CatalogFile();
        return Task.CompletedTask;
    }

    public override Task DisposeAsync()
    {
        _file.Dispose();
        return Task.CompletedTask;
    }

    protected override Task<IServiceRegistry> CreateRegistryAsync() =>
        Task.FromResult<IServiceRegistry>(new FileRegistry("file", new FileRegistryOptions { Path = _file.Path, UseFileSystemWatcher = false }));

    protected override Task PutForeignAsync(ServiceInstance instance)
    {
        _file.Put(instance);
        _file.WriteByRename();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ApplyAsync_BrokenFile_IsNotOverwritten()
    {
        await File.WriteAllTextAsync(_file.Path, "{ \"services\": [ broken");
        await using var registry = await CreateRegistryAsync();

        await Should.ThrowAsync<RegistryException>(() => Writer(registry).ApplyAsync(Batch(SyncId, ("orders", [CreateInstance("orders", 1)]))));

        (await File.ReadAllTextAsync(_file.Path)).ShouldBe("{ \"services\": [ broken");
        Directory.GetFiles(_file.Directory).Length.ShouldBe(1, "no temporary file is left behind");
    }

    [Fact]
    public async Task ApplyAsync_InvalidForeignRecord_IsKeptVerbatim()
    {
        const string content = "{\"services\":[{\"name\":\"orders\",\"instances\":[{\"id\":\"bad\",\"host\":\"a b\"}]}],\"custom\":42}";
        await File.WriteAllTextAsync(_file.Path, content);
        await using var registry = await CreateRegistryAsync();

        await Writer(registry).ApplyAsync(Batch(SyncId, ("orders", [CreateInstance("orders", 1)])));

        var text = await File.ReadAllTextAsync(_file.Path);
        text.ShouldContain("\"host\": \"a b\"");
        text.ShouldContain("\"custom\": 42");
        (await Writer(registry).ListOwnedAsync(SyncId)).InstanceCount.ShouldBe(1);
    }
}
