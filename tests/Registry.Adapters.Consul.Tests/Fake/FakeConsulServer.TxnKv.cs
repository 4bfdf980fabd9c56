using System.Text.Json;

namespace Registry.Adapters.Consul.Tests.Fake;

// KV operations of /v1/txn (hashicorp/consul agent/consul/state/txn.go txnKVS, agent/consul/txn_endpoint.go): the verbs
// and the errors the state store gives, a lock under lock-delay refused by the pre-check, results with the entry (its
// Value only for get), none for deletes and check-not-exists. Base64 values, as Go marshals []byte.
public sealed partial class FakeConsulServer
{
    /// <summary>The verbs of the KV operations received in transactions, in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> TxnKvVerbs { get; } = new();

    private (Dictionary<string, object?>? Result, string? Error, bool Write) KvOpLocked(JsonElement op, ulong index)
    {
        var verb = Str(op, "Verb") ?? string.Empty;
        TxnKvVerbs.Enqueue(verb);
        var key = Str(op, "Key") ?? string.Empty;
        byte[]? value = null;
        if (Str(op, "Value") is { } encoded)
        {
            try
            {
                value = Convert.FromBase64String(encoded);
            }
            catch (FormatException)
            {
                return (null, "illegal base64 data in Value", false);
            }
        }

        var flags = Prop(op, "Flags") is { ValueKind: JsonValueKind.Number } f ? f.GetUInt64() : 0;
        var opIndex = Prop(op, "Index") is { ValueKind: JsonValueKind.Number } i ? i.GetUInt64() : 0;
        var entry = new FakeKvEntry(key) { Value = value, Flags = flags, Session = Str(op, "Session") };
        _kv.TryGetValue(key, out var existing);
        switch (verb)
        {
            case "set":
                return (Result(KvSetLocked(entry, index, updateSession: false)), null, true);
            case "cas":
                return KvCasLocked(entry, opIndex, index) ? (Result(_kv[key]), null, true) : (null, $"failed to set key \"{key}\", index is stale", true);
            case "lock":
                if (InLockDelayLocked(key))
                {
                    return (null, $"failed to lock key \"{key}\" due to lock delay", true);
                }

                var (locked, lockError) = KvLockLocked(entry, index);
                return lockError is not null ? (null, lockError, true) : locked ? (Result(_kv[key]), null, true) : (null, $"failed to lock key \"{key}\", lock is already held", true);
            case "unlock":
                var (unlocked, unlockError) = KvUnlockLocked(entry, index);
                return unlockError is not null ? (null, unlockError, true)
                    : unlocked ? (Result(_kv[key]), null, true) : (null, $"failed to unlock key \"{key}\", lock isn't held, or is held by another session", true);
            case "get":
                return existing is null ? (null, $"key \"{key}\" doesn't exist", false) : (new() { ["KV"] = RenderKv(existing) }, null, false);
            case "check-index":
                return existing is null ? (null, $"failed to check index, key \"{key}\" doesn't exist", false)
                    : existing.ModifyIndex != opIndex ? (null, $"failed to check index of key \"{key}\": current modify index {existing.ModifyIndex} != {opIndex}", false)
                    : (Result(existing), null, false);
            case "check-session":
                return existing is null ? (null, $"failed to check session, key \"{key}\" doesn't exist", false)
                    : !string.Equals(existing.Session ?? string.Empty, entry.Session ?? string.Empty, StringComparison.Ordinal)
                        ? (null, $"failed to check session, key \"{key}\" in not locked by session \"{entry.Session}\"", false)
                        : (Result(existing), null, false);
            case "check-not-exists":
                return existing is null ? (null, null, false) : (null, $"key \"{key}\" exists", false);
            case "delete":
                KvDeleteLocked(key, index);
                return (null, null, true);
            case "delete-tree":
                KvDeleteTreeLocked(key, index);
                return (null, null, true);
            case "delete-cas":
                return KvDeleteCasLocked(key, opIndex, index) ? (null, null, true) : (null, $"failed to delete key \"{key}\", index is stale", true);
            default:
                return (null, $"unknown KV verb \"{verb}\"", false);
        }
    }

    /// <summary>A write's or check's result: the entry without its value.</summary>
    private static Dictionary<string, object?> Result(FakeKvEntry entry) => new() { ["KV"] = RenderKv(entry, withValue: false) };
}
