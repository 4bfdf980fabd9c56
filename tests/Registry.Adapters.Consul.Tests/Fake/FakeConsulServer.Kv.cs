namespace Registry.Adapters.Consul.Tests.Fake;

// The KV store as Consul's state store applies it (hashicorp/consul agent/consul/state/kvs.go, txn.go): a plain set keeps
// the lock holder and LockIndex; an acquire by a new session increments LockIndex, by the holder only updates the value,
// and fails while another session holds the key; a release by a non-holder fails; cas 0 creates only; a delete ignores
// locks and leaves a tombstone whose index a recurse read reports; a session invalidation releases or deletes its keys and
// puts them under its lock-delay (at most 60 s), during which an acquire is refused (the servers check it before commit).
public sealed partial class FakeConsulServer
{
    /// <summary>Consul's structs.MaxLockDelay: a session's lock-delay is capped at this.</summary>
    public static readonly TimeSpan MaxLockDelay = TimeSpan.FromSeconds(60);

    private readonly SortedDictionary<string, FakeKvEntry> _kv = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _kvKeyIndexes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lockDelays = new(StringComparer.Ordinal);
    private ulong _kvIndex = 1;

    /// <summary>A key as stored, or <see langword="null"/>.</summary>
    public FakeKvEntry? GetKey(string key)
    {
        lock (_gate)
        {
            return _kv.GetValueOrDefault(key);
        }
    }

    /// <summary>Every key under <paramref name="prefix"/>.</summary>
    public IReadOnlyList<FakeKvEntry> ListKeys(string prefix = "")
    {
        lock (_gate)
        {
            return [.. _kv.Values.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal))];
        }
    }

    /// <summary>Writes a key as an operator would (<c>consul kv put</c>).</summary>
    public void PutKey(string key, byte[] value)
    {
        lock (_gate)
        {
            var index = NextIndexLocked();
            KvSetLocked(new FakeKvEntry(key) { Value = value }, index, updateSession: false);
            SignalLocked();
        }
    }

    /// <summary>Until when a key is under lock-delay, or <see langword="null"/>.</summary>
    public DateTimeOffset? LockDelayUntil(string key)
    {
        lock (_gate)
        {
            return _lockDelays.TryGetValue(key, out var until) && until > Time.GetUtcNow() ? until : null;
        }
    }

    private bool InLockDelayLocked(string key) => _lockDelays.TryGetValue(key, out var until) && until > Time.GetUtcNow();

    private ulong KvKeyIndexLocked(string key) => _kvKeyIndexes.GetValueOrDefault(key);

    /// <summary>A recurse/keys read's index: the highest of the prefix's entries and tombstones, else the table's.</summary>
    private ulong KvPrefixIndexLocked(string prefix)
    {
        ulong max = 0;
        foreach (var (key, index) in _kvKeyIndexes)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal) && index > max)
            {
                max = index;
            }
        }

        return max == 0 ? _kvIndex : max;
    }

    private void TouchKeyLocked(string key, ulong index)
    {
        RecordLocked(_kvKeyIndexes, key);
        _kvKeyIndexes[key] = index;
        if (_undo is not null)
        {
            var kvIndex = _kvIndex;
            _undo.Add(() => _kvIndex = kvIndex);
        }

        _kvIndex = Math.Max(_kvIndex, index);
    }

    private FakeKvEntry KvSetLocked(FakeKvEntry entry, ulong index, bool updateSession)
    {
        var stored = entry with { CreateIndex = index, ModifyIndex = index };
        if (_kv.TryGetValue(entry.Key, out var existing))
        {
            stored = stored with
            {
                CreateIndex = existing.CreateIndex,
                LockIndex = updateSession ? entry.LockIndex : existing.LockIndex,
                Session = updateSession ? entry.Session : existing.Session,
            };
        }
        else if (!updateSession)
        {
            stored = stored with { Session = null, LockIndex = 0 };
        }

        RecordLocked(_kv, entry.Key);
        _kv[entry.Key] = stored;
        TouchKeyLocked(entry.Key, index);
        return stored;
    }

    private bool KvCasLocked(FakeKvEntry entry, ulong cas, ulong index)
    {
        var exists = _kv.TryGetValue(entry.Key, out var existing);
        if ((cas == 0 && exists) || (cas != 0 && (!exists || existing!.ModifyIndex != cas)))
        {
            return false;
        }

        KvSetLocked(entry, index, updateSession: false);
        return true;
    }

    /// <summary>An acquire: (held now, error). The error is the state store's, for a missing or unknown session.</summary>
    private (bool Ok, string? Error) KvLockLocked(FakeKvEntry entry, ulong index)
    {
        if (string.IsNullOrEmpty(entry.Session))
        {
            return (false, "missing session");
        }

        if (!_sessions.ContainsKey(entry.Session))
        {
            return (false, $"invalid session \"{entry.Session}\"");
        }

        ulong lockIndex = 1;
        if (_kv.TryGetValue(entry.Key, out var existing))
        {
            if (string.Equals(existing.Session, entry.Session, StringComparison.Ordinal))
            {
                lockIndex = existing.LockIndex;
            }
            else if (!string.IsNullOrEmpty(existing.Session))
            {
                return (false, null);
            }
            else
            {
                lockIndex = existing.LockIndex + 1;
            }
        }

        KvSetLocked(entry with { LockIndex = lockIndex }, index, updateSession: true);
        return (true, null);
    }

    private (bool Ok, string? Error) KvUnlockLocked(FakeKvEntry entry, ulong index)
    {
        if (string.IsNullOrEmpty(entry.Session))
        {
            return (false, "missing session");
        }

        if (!_kv.TryGetValue(entry.Key, out var existing) || !string.Equals(existing.Session, entry.Session, StringComparison.Ordinal))
        {
            return (false, null);
        }

        KvSetLocked(entry with { Session = null, LockIndex = existing.LockIndex }, index, updateSession: true);
        return (true, null);
    }

    private bool KvDeleteLocked(string key, ulong index)
    {
        RecordLocked(_kv, key);
        if (!_kv.Remove(key))
        {
            return false;
        }

        TouchKeyLocked(key, index);
        return true;
    }

    /// <summary>A delete at an index: true when it matched, and (as Consul answers) when the key is already gone.</summary>
    private bool KvDeleteCasLocked(string key, ulong cas, ulong index)
    {
        if (!_kv.TryGetValue(key, out var existing))
        {
            return true;
        }

        if (existing.ModifyIndex != cas)
        {
            return false;
        }

        KvDeleteLocked(key, index);
        return true;
    }

    private bool KvDeleteTreeLocked(string prefix, ulong index)
    {
        var keys = _kv.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        foreach (var key in keys)
        {
            KvDeleteLocked(key, index);
        }

        return keys.Count > 0;
    }

    private static Dictionary<string, object?> RenderKv(FakeKvEntry entry, bool withValue = true)
    {
        var rendered = new Dictionary<string, object?>
        {
            ["LockIndex"] = entry.LockIndex,
            ["Key"] = entry.Key,
            ["Flags"] = entry.Flags,
            ["Value"] = withValue && entry.Value is { } value ? Convert.ToBase64String(value) : null,
        };
        if (!string.IsNullOrEmpty(entry.Session))
        {
            rendered["Session"] = entry.Session;
        }

        rendered["CreateIndex"] = entry.CreateIndex;
        rendered["ModifyIndex"] = entry.ModifyIndex;
        return rendered;
    }
}

/// <summary>One KV entry as Consul stores it (structs.DirEntry).</summary>
public sealed record FakeKvEntry(string Key)
{
    public byte[]? Value { get; init; }

    public ulong Flags { get; init; }

    public string? Session { get; init; }

    public ulong LockIndex { get; init; }

    public ulong CreateIndex { get; init; }

    public ulong ModifyIndex { get; init; }
}
