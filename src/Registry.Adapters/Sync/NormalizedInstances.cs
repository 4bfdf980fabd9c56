using System.Collections.Frozen;
using System.Runtime.CompilerServices;

namespace Registry.Adapters.Sync;

/// <summary>
/// The instances one writer's <see cref="IServiceRegistryWriter.TryNormalize"/> returned, recognised by reference, so
/// that <see cref="WriterChecks.Accept"/>
/// does not normalize them a second time. A writer keeps one for its lifetime (its output depends on its own options).
/// </summary>
/// <remarks>
/// Sound because what <see cref="Remember"/> returns cannot change afterwards: <see cref="ServiceInstance"/> is a
/// sealed record with init-only properties, and its ports, tags and metadata are collections nobody else holds a
/// writable reference to (they are copied into read-only ones unless they already are). A caller that builds an equal
/// instance, or derives one with <c>with</c>, holds another object, which is normalized again. The table holds its
/// keys weakly: an instance nobody references any more leaves it.
/// </remarks>
public sealed class NormalizedInstances
{
    private static readonly object Marker = new();
    private readonly ConditionalWeakTable<ServiceInstance, object> _issued = new();

    /// <summary>Records the stored form a writer's <c>TryNormalize</c> computed and returns it as it must be handed out: unchangeable, and recognised by <see cref="Contains"/>.</summary>
    /// <param name="stored">The stored form, as the writer computed it.</param>
    /// <returns><paramref name="stored"/> itself when its collections are already read-only, else an equal copy whose collections are.</returns>
    public ServiceInstance Remember(ServiceInstance stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var sealedForm = Sealed(stored.Ports) && Sealed(stored.Tags) && Sealed(stored.Metadata)
            ? stored
            : stored with
            {
                Ports = SealedList<ServicePort>.Copy(stored.Ports),
                Tags = SealedList<string>.Copy(stored.Tags),
                Metadata = SealedMetadata.Copy(stored.Metadata),
            };
        _issued.AddOrUpdate(sealedForm, Marker);
        return sealedForm;
    }

    /// <summary>Whether <paramref name="instance"/> is the very object <see cref="Remember"/> returned (not merely an equal one).</summary>
    /// <param name="instance">The instance.</param>
    /// <returns><see langword="true"/> for an instance this writer normalized itself.</returns>
    public bool Contains(ServiceInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return _issued.TryGetValue(instance, out _);
    }

    private static bool Sealed<T>(IReadOnlyList<T> list) => list is SealedList<T> or T[] { Length: 0 };

    private static bool Sealed(IReadOnlyDictionary<string, string> metadata) => metadata is SealedMetadata or FrozenDictionary<string, string>;
}
