using Registry.Adapters.Sync;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Sync;

/// <summary>The one default identity every election store (etcd, Consul, Kubernetes) campaigns with.</summary>
public sealed class SyncElectionIdentityTests
{
    [Theory]
    [InlineData("mesh-sync-7d9f-x2k4q", "ignored", "host", 42, "mesh-sync-7d9f-x2k4q-42")]
    [InlineData(null, "pod-from-hostname", "host", 7, "pod-from-hostname-7")]
    [InlineData(" ", "", "build-agent", 7, "build-agent-7")]
    [InlineData("team/a b\tc", null, "host", 1, "team-a-b-c-1")]
    public void IdentityFrom_PodNameThenHostNameThenMachine_KeyAndHolderSafe(string? pod, string? hostName, string machine, int pid, string expected) =>
        SyncElectionOptions.IdentityFrom(pod, hostName, machine, pid).ShouldBe(expected);

    [Fact]
    public void IdentityFrom_LongName_IsCutTo100CharactersBeforeTheProcessId()
    {
        var identity = SyncElectionOptions.IdentityFrom(new string('p', 300), null, "host", 9);

        identity.ShouldBe(new string('p', 100) + "-9");
    }

    [Fact]
    public void DefaultIdentity_EndsWithThisProcessId() =>
        SyncElectionOptions.DefaultIdentity().ShouldEndWith($"-{Environment.ProcessId}");
}
