using System.IO.Compression;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using Registry.Adapters.Backends;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Backends;

public sealed class GuardedHttpHandlerTests
{
    private static HttpClient Client(HttpLimits limits, TimeProvider time, DecompressionMethods decompression = DecompressionMethods.None) =>
        new(new GuardedHttpHandler(BackendSockets.CreateHandler(decompression), limits, time)) { Timeout = Timeout.InfiniteTimeSpan };

    [Fact]
    public async Task SendAsync_ServerNeverSendsHeaders_FailsWithStallAfterHeadersTimeout()
    {
        var time = new FakeTimeProvider();
        await using var server = new RawHttpServer(static (_, ct) => Task.Delay(Timeout.Infinite, ct));
        using var client = Client(new HttpLimits { HeadersTimeout = TimeSpan.FromSeconds(5) }, time);

        var send = client.GetAsync(server.BaseAddress);
        await server.NextRequestAsync();
        time.Advance(TimeSpan.FromSeconds(4));
        send.IsCompleted.ShouldBeFalse();
        time.Advance(TimeSpan.FromSeconds(1));

        var ex = await Should.ThrowAsync<HttpStallException>(send);
        ex.Message.ShouldContain("no response headers within 5 s");
    }

    [Fact]
    public async Task SendAsync_BodyStallsAfterHeaders_FailsWithStallAfterBodyIdleTimeout()
    {
        var time = new FakeTimeProvider();
        await using var server = new RawHttpServer(static async (stream, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", ct);
            await Task.Delay(Timeout.Infinite, ct);
        });

        // A blocking query's long headers budget does not stretch the body's idle bound.
        using var client = Client(new HttpLimits { HeadersTimeout = TimeSpan.FromMinutes(10), BodyIdleTimeout = TimeSpan.FromSeconds(3) }, time);
        var send = client.GetAsync(server.BaseAddress);
        await server.NextRequestAsync();
        while (!send.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
            time.GetUtcNow().ShouldBeLessThan(time.Start + TimeSpan.FromSeconds(60), "the body stall never became an error");
        }

        var ex = await Should.ThrowAsync<HttpStallException>(send);
        ex.Message.ShouldContain("no byte for 3 s (BodyIdleTimeout)");
    }

    [Fact]
    public async Task SendAsync_GzipBomb_RefusedAtTheInflatedCap()
    {
        var bomb = Gzip(new byte[32 * 1024 * 1024]);
        await using var server = new RawHttpServer(async (stream, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, $"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {bomb.Length}\r\n\r\n", ct);
            await stream.WriteAsync(bomb, ct);
        });
        using var client = Client(new HttpLimits { MaxResponseBytes = 1024 * 1024 }, TimeProvider.System, DecompressionMethods.GZip);

        var ex = await Should.ThrowAsync<HttpResponseTooLargeException>(client.GetAsync(server.BaseAddress));
        ex.Message.ShouldContain("MaxResponseBytes (1048576 bytes)");
    }

    [Fact]
    public async Task SendAsync_PerLineStream_BoundsEachLineNotTheWholeStream()
    {
        await using var server = new RawHttpServer(static async (stream, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", ct);
            for (var i = 0; i < 8; i++)
            {
                var line = new string('a', 700) + "\n";
                await RawHttpServer.WriteAsync(stream, $"{line.Length:x}\r\n{line}\r\n", ct);
            }

            var big = new string('b', 2000) + "\n";
            await RawHttpServer.WriteAsync(stream, $"{big.Length:x}\r\n{big}\r\n0\r\n\r\n", ct);
        });
        using var client = Client(new HttpLimits { MaxResponseBytes = 1024, PerLine = true }, TimeProvider.System);

        using var response = await client.GetAsync(server.BaseAddress, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        for (var i = 0; i < 8; i++)
        {
            (await reader.ReadLineAsync())!.Length.ShouldBe(700);
        }

        await Should.ThrowAsync<HttpResponseTooLargeException>(async () => await reader.ReadLineAsync());
    }

    [Fact]
    public async Task SendAsync_BodyWithinCap_ReturnedBufferedWithItsHeaders()
    {
        await using var server = new RawHttpServer(static async (stream, ct) =>
            await RawHttpServer.WriteAsync(stream, "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nX-Consul-Index: 7\r\nContent-Length: 5\r\n\r\nnope!", ct));
        using var client = Client(new HttpLimits { MaxResponseBytes = 1024 }, TimeProvider.System);

        using var response = await client.GetAsync(server.BaseAddress);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Headers.GetValues("X-Consul-Index").ShouldBe(["7"]);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
        (await BoundedBody.ReadAsBytesAsync(response.Content, 1024, CancellationToken.None)).ShouldBe("nope!"u8.ToArray());
        await Should.ThrowAsync<HttpResponseTooLargeException>(() => BoundedBody.ReadAsBytesAsync(response.Content, 4, CancellationToken.None));
    }

    internal static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
