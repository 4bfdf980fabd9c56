namespace Registry.Adapters.Sync;

/// <summary>
/// A registry that offers sync targets of other kinds in its own store, beside (or instead of) being a target itself:
/// a Kubernetes registry offers <c>istio</c>, the ServiceEntries of its cluster. <see cref="SyncTargets.Resolve"/> finds
/// them for <c>--to KIND</c> or <c>--to KIND:REGISTRY</c>, as it finds a registry that is itself a target with
/// <c>registry as IServiceRegistryWriter</c>.
/// </summary>
public interface ISyncTargetProvider
{
    /// <summary>The kinds of target offered (<c>istio</c>), lower-case.</summary>
    IReadOnlyList<string> TargetKinds { get; }

    /// <summary>The writer of one offered kind, named <paramref name="name"/>; the same kind returns the same writer, which lives and is disposed with the registry.</summary>
    /// <param name="kind">One of <see cref="TargetKinds"/>.</param>
    /// <param name="name">The target's name in plans, logs and metrics (<see cref="IServiceRegistryWriter.Name"/>).</param>
    /// <returns>The writer, or <see langword="null"/> for a kind not offered.</returns>
    IServiceRegistryWriter? GetTarget(string kind, string name);
}
