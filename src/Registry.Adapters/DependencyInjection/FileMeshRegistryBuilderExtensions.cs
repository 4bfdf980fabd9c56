using Microsoft.Extensions.Logging;
using Registry.Adapters;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the File and in-memory registries, and the <c>file</c> kind.</summary>
public static class FileMeshRegistryBuilderExtensions
{
    /// <summary>Adds a File registry named <c>file</c> over a catalog file.</summary>
    /// <param name="builder">The mesh builder.</param>
    /// <param name="path">The catalog file (JSON in the shape of <c>mesh-sync list --output json</c>).</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddFile(this IMeshRegistryBuilder builder, string path) =>
        builder.AddFile(FileRegistry.FileKind, path);

    /// <summary>Adds a File registry over a catalog file.</summary>
    /// <param name="builder">The mesh builder.</param>
    /// <param name="name">The registry name, unique in the mesh.</param>
    /// <param name="path">The catalog file.</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddFile(this IMeshRegistryBuilder builder, string name, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return builder.AddFile(name, options => options.Path = path);
    }

    /// <summary>Adds a File registry configured in code.</summary>
    /// <param name="builder">The mesh builder.</param>
    /// <param name="name">The registry name, unique in the mesh.</param>
    /// <param name="configure">Sets <see cref="FileRegistryOptions.Path"/> and the other options.</param>
    /// <param name="priority">The merge priority (lower wins), or <see langword="null"/> to follow the registries before it.</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddFile(this IMeshRegistryBuilder builder, string name, Action<FileRegistryOptions> configure, int? priority = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        return new FileRegistryProvider().AddTo(builder, name, configure, priority);
    }

    /// <summary>
    /// Adds a File registry over a catalog document held in memory, read once and never watched: a catalog an
    /// application ships inside itself (<c>mesh-sync</c> adds its embedded sample catalog this way when nothing else
    /// is configured). Invalid records are skipped and reported as for a file.
    /// </summary>
    /// <param name="builder">The mesh builder.</param>
    /// <param name="name">The registry name, unique in the mesh; its kind is <c>file</c>.</param>
    /// <param name="content">The catalog document (UTF-8 JSON in the shape of <c>mesh-sync list --output json</c>).</param>
    /// <param name="source">How messages name the content (<c>the embedded sample catalog</c>), in place of a path.</param>
    /// <param name="priority">The merge priority (lower wins), or <see langword="null"/> to follow the registries before it.</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddFileContent(this IMeshRegistryBuilder builder, string name, ReadOnlyMemory<byte> content, string source, int? priority = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        return builder.AddRegistry(new RegistryDefinition(name, FileRegistry.FileKind, sp => new FileRegistry(name, source, content, sp.GetService<ILogger<FileRegistry>>()))
        {
            Priority = priority,
        });
    }

    /// <summary>Adds an in-memory registry the application fills itself (tests, instances known without a backend).</summary>
    /// <param name="builder">The mesh builder.</param>
    /// <param name="registry">The registry; the mesh reads it under its <see cref="InMemoryRegistry.Name"/> and does not dispose it.</param>
    /// <param name="priority">The merge priority (lower wins), or <see langword="null"/> to follow the registries before it.</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddInMemory(this IMeshRegistryBuilder builder, InMemoryRegistry registry, int? priority = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(registry);
        return builder.AddRegistry(new RegistryDefinition(registry.Name, registry.Kind, _ => new BorrowedRegistry(registry)) { Priority = priority });
    }

    /// <summary>Makes the <c>file</c> kind available to configuration (<c>AddMeshRegistry</c> does this already).</summary>
    /// <param name="builder">The mesh builder.</param>
    /// <returns>The builder.</returns>
    public static IMeshRegistryBuilder AddFileProvider(this IMeshRegistryBuilder builder) =>
        builder.AddProvider(new FileRegistryProvider());

    /// <summary>A registry the application owns: the mesh uses it but leaves its disposal to the owner.</summary>
    private sealed class BorrowedRegistry(IServiceRegistry inner) : IServiceRegistry
    {
        public string Name => inner.Name;

        public string Kind => inner.Kind;

        public Task<RegistrySnapshot> ReadAsync(CancellationToken cancellationToken = default) => inner.ReadAsync(cancellationToken);

        public IAsyncEnumerable<RegistryEvent> WatchAsync(CancellationToken cancellationToken = default) => inner.WatchAsync(cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
