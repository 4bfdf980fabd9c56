using Etcdserverpb;
using Registry.Adapters.Testing;
using Shouldly;
using Xunit;
using static Registry.Adapters.Etcd.Tests.EtcdTestData;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>The etcd leader election on the registry's credentials, and what its errors and logs show; each test on its own server.</summary>
public sealed class EtcdSyncElectionSecurityTests
{
    private const string Password = "el3ct-Pa55word-never-shown";
    private readonly string _prefix = EtcdServerFixture.UniquePrefix("election-security");
    private readonly string _name = "s" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Campaign_AuthEnabled_LeadsWithTheRegistrysCredentials()
    {
        await using var server = await EtcdServer.StartAsync();
        using (var admin = await EtcdTestClient.ConnectAsync(server))
        {
            await admin.Connection.Auth.UserAddAsync(new AuthUserAddRequest { Name = "root", Password = Password });
            await admin.Connection.Auth.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = "root", Role = "root" });
            await admin.Connection.Auth.AuthEnableAsync(new AuthEnableRequest());
        }

        var logs = new CapturingLoggerFactory();
        var options = Options(server.ClientUrl, _prefix, o => (o.Username, o.Password) = ("root", Password));
        await using var replica = EtcdElectionReplica.Create(options, EtcdElectionReplica.Options(_name, "replica-a"), _name, logs: logs);
        replica.Candidate.Start();

        await replica.Candidate.WaitForLeadershipAsync().WaitAsync(Wait);
        (await replica.Election.ListReplicasAsync()).ShouldBe(["replica-a"]);
        logs.Lines.ShouldContain(l => l.Contains(" 3312 ", StringComparison.Ordinal), "the leadership is logged");
        logs.Lines.ShouldAllBe(l => !l.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Campaign_ServerQuotesPasswordAndToken_KeepsRetryingAndMasksThemEverywhere()
    {
        await using var proxy = await EchoingEtcdProxy.StartAsync();
        var logs = new CapturingLoggerFactory();
        var options = Options(proxy.Url, _prefix, o => (o.Username, o.Password) = ("root", Password));
        await using var replica = EtcdElectionReplica.Create(options, EtcdElectionReplica.Options(_name, "replica-a"), _name, logs: logs);
        replica.Candidate.Start();

        await Poll.UntilAsync(() => logs.Lines.Count(static l => l.Contains(" 3302 ", StringComparison.Ordinal)) >= 2, "the lease grant is retried after a failure");
        var count = await Should.ThrowAsync<RegistryException>(() => replica.Election.ListReplicasAsync());

        replica.Candidate.IsLeader.ShouldBeFalse();
        var texts = logs.Lines.Append(count.Message).ToList();
        foreach (var secret in new[] { Password, proxy.Token })
        {
            texts.ShouldAllBe(t => !t.Contains(secret, StringComparison.Ordinal), $"a secret reached an error or log: {secret[..8]}...");
        }

        count.Message.ShouldContain("'***'");
    }
}
