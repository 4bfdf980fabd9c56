using System.Collections.ObjectModel;

namespace Registry.Adapters.Sync;

/// <summary>A read-only list over an array nobody else holds: what <see cref="NormalizedInstances"/> can trust not to change.</summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class SealedList<T> : ReadOnlyCollection<T>
{
    private SealedList(T[] items)
        : base(items)
    {
    }

    /// <summary>Wraps an array the caller has just created and hands over (it must keep no reference to it).</summary>
    public static IReadOnlyList<T> Own(T[] items) => items.Length == 0 ? [] : new SealedList<T>(items);

    /// <summary>A sealed copy of <paramref name="items"/> (itself when it already is one).</summary>
    public static IReadOnlyList<T> Copy(IReadOnlyList<T> items) => items switch
    {
        SealedList<T> or T[] { Length: 0 } => items,
        _ => Own([.. items]),
    };
}

/// <summary>Read-only metadata over a dictionary nobody else holds: what <see cref="NormalizedInstances"/> can trust not to change.</summary>
internal sealed class SealedMetadata : ReadOnlyDictionary<string, string>
{
    public static readonly SealedMetadata None = new(new Dictionary<string, string>(StringComparer.Ordinal));

    private SealedMetadata(Dictionary<string, string> items)
        : base(items)
    {
    }

    /// <summary>Wraps a dictionary the caller has just created and hands over (it must keep no reference to it).</summary>
    public static SealedMetadata Own(Dictionary<string, string> items) => items.Count == 0 ? None : new SealedMetadata(items);

    /// <summary>A sealed copy of <paramref name="items"/> (itself when it already is one).</summary>
    public static IReadOnlyDictionary<string, string> Copy(IReadOnlyDictionary<string, string> items) => items switch
    {
        SealedMetadata or System.Collections.Frozen.FrozenDictionary<string, string> => items,
        _ => Own(new Dictionary<string, string>(items, StringComparer.Ordinal)),
    };
}
