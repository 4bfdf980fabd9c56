using System.Net;
using System.Net.Http.Headers;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Sync.Tests.Serve;

/// <summary><c>mesh-sync serve</c> as a command: listen address, bearer token on non-loopback, exit codes, request limits.</summary>
public sealed class ServeCommandTests : IDisposable
{
    private readonly TempCatalogs _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Serve_FileOnLoopback_ServesCatalogAndExitsZeroOnInterrupt()
    {
        var path = _files.Write("a.json", TempCatalogs.A);
        await using var serve = await ServeRun.StartAsync("--file", path, "--listen", "127.0.0.1:0");

        var body = await serve.Http.GetStringAsync("/v1/catalog");

        body.ShouldContain("\"orders-1\"");
        (await serve.StopAsync()).ShouldBe(0);
    }

    [Theory]
    [InlineData("0.0.0.0:0")]
    [InlineData("*:0")]
    public async Task Serve_NonLoopbackWithoutToken_UsageErrorNamingTheFix(string listen)
    {
        var result = await ServeRun.RefusedAsync("--file", _files.Write("a.json", TempCatalogs.A), "--listen", listen);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("--token-file");
        result.Stderr.ShouldContain("--insecure-listen");
    }

    [Theory]
    [InlineData("8080")]
    [InlineData("localhost:99999")]
    [InlineData("::1:8080")]
    [InlineData("host.example:8080")]
    public async Task Serve_BadListen_UsageError(string listen)
    {
        var result = await ServeRun.RefusedAsync("--listen", listen);

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldStartWith("mesh-sync: --listen:");
    }

    [Fact]
    public async Task Serve_EmptyTokenFile_UsageError()
    {
        var result = await ServeRun.RefusedAsync("--listen", "0.0.0.0:0", "--token-file", _files.Write("token", "\n"));

        result.ExitCode.ShouldBe(2, result.ToString());
        result.Stderr.ShouldContain("is empty");
    }

    [Fact]
    public async Task Serve_NonLoopbackWithToken_ApiNeedsTheBearerTokenProbesDoNot()
    {
        const string Token = "s3cret-token-value";
        var path = _files.Write("a.json", TempCatalogs.A);
        await using var serve = await ServeRun.StartAsync("--file", path, "--listen", "0.0.0.0:0", "--token-file", _files.Write("token", Token + "\n"));

        (await serve.Http.GetAsync("/v1/catalog")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await serve.Http.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await serve.Http.GetAsync("/v1/watch")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await SendAsync(serve, "/v1/catalog", new AuthenticationHeaderValue("Bearer", Token + "x"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await SendAsync(serve, "/v1/catalog", new AuthenticationHeaderValue("Basic", Token))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await SendAsync(serve, "/v1/catalog", new AuthenticationHeaderValue("Bearer", Token))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await serve.Http.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await serve.Http.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var cookie = new HttpRequestMessage(HttpMethod.Get, "/v1/registries");
        cookie.Headers.Add("Cookie", "mesh_sync_token=" + Uri.EscapeDataString(Token));
        (await serve.Http.SendAsync(cookie)).StatusCode.ShouldBe(HttpStatusCode.OK);
        serve.Stderr.ShouldNotContain(Token);
    }

    [Fact]
    public async Task Serve_NonLoopbackInsecure_ServesWithoutToken()
    {
        var path = _files.Write("a.json", TempCatalogs.A);
        await using var serve = await ServeRun.StartAsync("--file", path, "--listen", "0.0.0.0:0", "--insecure-listen");

        (await serve.Http.GetAsync("/v1/catalog")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Serve_OversizedHeaders_RejectedBeforeTheEndpoint()
    {
        var path = _files.Write("a.json", TempCatalogs.A);
        await using var serve = await ServeRun.StartAsync("--file", path, "--listen", "127.0.0.1:0");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/catalog");
        request.Headers.Add("X-Big", new string('a', 20 * 1024));

        using var response = await serve.Http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestHeaderFieldsTooLarge);
    }

    [Fact]
    public async Task Serve_TooManyHeaders_Rejected()
    {
        var path = _files.Write("a.json", TempCatalogs.A);
        await using var serve = await ServeRun.StartAsync("--file", path, "--listen", "127.0.0.1:0");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/catalog");
        for (var i = 0; i < 100; i++)
        {
            request.Headers.Add("X-H" + i, "v");
        }

        using var response = await serve.Http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestHeaderFieldsTooLarge);
    }

    private static async Task<HttpResponseMessage> SendAsync(ServeRun serve, string path, AuthenticationHeaderValue authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = authorization;
        return await serve.Http.SendAsync(request);
    }
}
