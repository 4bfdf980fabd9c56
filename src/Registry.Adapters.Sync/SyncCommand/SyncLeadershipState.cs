namespace Registry.Adapters.Sync;

/// <summary>What <c>/readyz</c> of <c>sync --listen</c> says about leadership. A standby is ready: it reads and would take over.</summary>
internal static class SyncLeadershipState
{
    /// <summary><c>leader</c>, <c>standby</c>, or <c>unelected</c> without leader election (every replica writes).</summary>
    public static string Describe(ISyncLeadership? leadership) =>
        leadership is null ? "unelected" : leadership.IsLeader ? "leader" : "standby";
}
