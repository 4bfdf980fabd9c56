namespace Registry.Adapters.Consul.Tests.Fake;

/// <summary>A service instance as registered.</summary>
public sealed record FakeServiceSpec(string Id, string Name)
{
    public string Address { get; init; } = string.Empty;

    public long Port { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public IReadOnlyDictionary<string, string> Meta { get; init; } = new Dictionary<string, string>();

    public int PassingWeight { get; init; } = 1;

    public int WarningWeight { get; init; } = 1;

    public string Kind { get; init; } = string.Empty;

    public IReadOnlyDictionary<string, (string Address, long Port)> TaggedAddresses { get; init; } = new Dictionary<string, (string, long)>();
}

internal sealed record FakeNode(string Name, string Address, string Id, ulong CreateIndex)
{
    public string Datacenter { get; init; } = "dc1";

    public ulong ModifyIndex { get; init; } = CreateIndex;

    public IReadOnlyDictionary<string, string> Meta { get; init; } = new Dictionary<string, string> { ["consul-network-segment"] = string.Empty };
}

internal sealed class FakeService
{
    public required FakeServiceSpec Spec { get; set; }

    public ulong CreateIndex { get; init; }

    public ulong ModifyIndex { get; set; }
}

internal sealed class FakeCheck : IDisposable
{
    public required string Node { get; init; }

    public required string CheckId { get; init; }

    public string Name { get; init; } = string.Empty;

    public string Status { get; set; } = "critical";

    public string Output { get; set; } = string.Empty;

    public string Notes { get; init; } = string.Empty;

    public string ServiceId { get; init; } = string.Empty;

    public string ServiceName { get; init; } = string.Empty;

    public string Type { get; init; } = string.Empty;

    public TimeSpan? Ttl { get; init; }

    public TimeSpan? DeregisterCriticalServiceAfter { get; init; }

    public ITimer? TtlTimer { get; set; }

    public ITimer? Reaper { get; set; }

    public ulong CreateIndex { get; init; }

    public ulong ModifyIndex { get; set; }

    public void Dispose()
    {
        TtlTimer?.Dispose();
        Reaper?.Dispose();
    }
}
