using Xunit;

namespace Registry.Adapters.Etcd.Tests;

/// <summary>One etcd per test class; tests use unique prefixes so they never see each other's keys.</summary>
public sealed class EtcdServerFixture : IAsyncLifetime
{
    private EtcdServer? _server;

    public EtcdServer Server => _server ?? throw new InvalidOperationException("The etcd server did not start.");

    public async Task InitializeAsync() => _server = await EtcdServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public static string UniquePrefix(string name = "t") => $"/{name}/{Guid.NewGuid():N}/";
}
