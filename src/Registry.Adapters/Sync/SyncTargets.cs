namespace Registry.Adapters.Sync;

/// <summary>
/// Resolves <see cref="SyncOptions.To"/> into writers, for the console and <c>AddMeshSync</c> alike. A name is a configured
/// registry that implements <see cref="IServiceRegistryWriter"/> (case-insensitive); else a kind one registry offers
/// through <see cref="ISyncTargetProvider"/> (<c>istio</c>), or <c>KIND:REGISTRY</c> when several registries offer it.
/// </summary>
public static class SyncTargets
{
    /// <summary>
    /// Resolves the targets. <see cref="SyncOptions.To"/> is rewritten to the targets' names. A target offered by a registry
    /// writes into that registry's store, so that registry is no source of the sync unless <see cref="SyncOptions.From"/>
    /// names it: when <see cref="SyncOptions.From"/> is empty it is set to every registry that is neither a target nor hosts one.
    /// </summary>
    /// <param name="registries">The configured registries.</param>
    /// <param name="options">The sync options.</param>
    /// <returns>The writers, in the order of <see cref="SyncOptions.To"/>.</returns>
    /// <exception cref="ArgumentException">A name is no target (the message names it and the choices; callers prefix the option).</exception>
    public static IReadOnlyList<IServiceRegistryWriter> Resolve(IReadOnlyList<IServiceRegistry> registries, SyncOptions options)
    {
        ArgumentNullException.ThrowIfNull(registries);
        ArgumentNullException.ThrowIfNull(options);
        var writers = new List<IServiceRegistryWriter>();
        var hosts = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<(string Registry, string Kind)>();
        for (var i = 0; i < options.To.Count; i++)
        {
            var (writer, host) = ResolveOne(registries, options.To[i]);
            if (!seen.Add((host.Name, writer.Kind)))
            {
                throw new ArgumentException($"'{ServiceInstanceValidator.Printable(options.To[i])}' names the {writer.Kind} target of registry '{host.Name}' a second time.");
            }

            options.To[i] = writer.Name;
            writers.Add(writer);
            if (!ReferenceEquals(writer, host))
            {
                hosts.Add(host.Name);
            }
        }

        if (options.From.Count == 0 && hosts.Count > 0)
        {
            var targets = writers.Select(static w => w.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var registry in registries.Where(r => !targets.Contains(r.Name) && !hosts.Contains(r.Name)))
            {
                options.From.Add(registry.Name);
            }
        }

        return writers;
    }

    private static (IServiceRegistryWriter Writer, IServiceRegistry Host) ResolveOne(IReadOnlyList<IServiceRegistry> registries, string name)
    {
        if (registries.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase)) is { } registry)
        {
            if (registry is IServiceRegistryWriter writer)
            {
                return (writer, registry);
            }

            var offered = registry is ISyncTargetProvider provider && provider.TargetKinds.Count > 0
                ? $"; it offers {string.Join(", ", provider.TargetKinds.Select(k => $"'{k}:{registry.Name}'"))}"
                : string.Empty;
            throw new ArgumentException($"registry '{registry.Name}' (kind {registry.Kind}) cannot be a sync target{offered}; writable kinds implement the writer contract (file, etcd, consul, eureka, kubernetes; istio through a kubernetes registry).");
        }

        var colon = name.IndexOf(':', StringComparison.Ordinal);
        var kind = (colon < 0 ? name : name[..colon]).ToLowerInvariant();
        var offering = registries.Where(r => r is ISyncTargetProvider p && p.TargetKinds.Contains(kind, StringComparer.Ordinal)).ToList();
        if (colon >= 0)
        {
            var hostName = name[(colon + 1)..];
            var host = offering.FirstOrDefault(r => string.Equals(r.Name, hostName, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException(offering.Count == 0
                    ? $"no registry offers a '{ServiceInstanceValidator.Printable(kind)}' target (the registries are {Names(registries)})."
                    : $"no registry named '{ServiceInstanceValidator.Printable(hostName)}' offers a '{kind}' target; choose {Choices(kind, offering)}.");
            return (Target(host, kind, offering.Count == 1 ? kind : $"{kind}:{host.Name}"), host);
        }

        return offering.Count switch
        {
            1 => (Target(offering[0], kind, kind), offering[0]),
            0 => throw new ArgumentException($"no registry is named '{ServiceInstanceValidator.Printable(name)}'; the registries are {Names(registries)}."),
            _ => throw new ArgumentException($"'{kind}' is offered by several registries; choose {Choices(kind, offering)}."),
        };
    }

    private static IServiceRegistryWriter Target(IServiceRegistry host, string kind, string name) =>
        ((ISyncTargetProvider)host).GetTarget(kind, name) ?? throw new ArgumentException($"registry '{host.Name}' offers no '{kind}' target.");

    private static string Names(IReadOnlyList<IServiceRegistry> registries) => string.Join(", ", registries.Select(static r => r.Name));

    private static string Choices(string kind, List<IServiceRegistry> offering) => string.Join(" or ", offering.Select(r => $"'{kind}:{r.Name}'"));
}
