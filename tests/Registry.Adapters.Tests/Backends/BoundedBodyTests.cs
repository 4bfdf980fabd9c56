using Registry.Adapters.Backends;
using Shouldly;
using Xunit;

namespace Registry.Adapters.Tests.Backends;

public sealed class BoundedBodyTests
{
    [Theory]
    [InlineData(0, null)]
    [InlineData(1, null)]
    [InlineData(65536, null)]
    [InlineData(65537, null)]
    [InlineData(200_000, null)]
    [InlineData(200_000, 200_000L)]
    [InlineData(10, 5L)]
    public async Task ReadAsBytesAsync_BodyWithinCap_ReturnsExactBytes(int size, long? declared)
    {
        var data = Enumerable.Range(0, size).Select(static i => (byte)i).ToArray();
        var body = await BoundedBody.ReadAsBytesAsync(new MemoryStream(data), 1_000_000, declared, CancellationToken.None);
        body.ShouldBe(data);
    }

    [Fact]
    public async Task ReadAsBytesAsync_BodyOneByteOverCap_Refused()
    {
        await Should.ThrowAsync<HttpResponseTooLargeException>(() =>
            BoundedBody.ReadAsBytesAsync(new MemoryStream(new byte[1025]), 1024, null, CancellationToken.None));
        (await BoundedBody.ReadAsBytesAsync(new MemoryStream(new byte[1024]), 1024, null, CancellationToken.None)).Length.ShouldBe(1024);
    }

    [Fact]
    public async Task ReadAsBytesAsync_DeclaredLengthOverCap_RefusedBeforeReading()
    {
        using var content = new StreamContent(new ThrowingStream());
        content.Headers.ContentLength = 5000;
        var ex = await Should.ThrowAsync<HttpResponseTooLargeException>(() => BoundedBody.ReadAsBytesAsync(content, 4096, CancellationToken.None));
        ex.Message.ShouldContain("declares 5000 bytes");
    }

    [Fact]
    public void ValidateMaxResponseBytes_BelowMinimum_NamesSettingAndRange()
    {
        var errors = new List<string>();
        HttpLimits.ValidateMaxResponseBytes(1023, "Mesh:Registries:0:MaxResponseBytes", errors);
        HttpLimits.ValidateMaxResponseBytes(1024, "Mesh:Registries:1:MaxResponseBytes", errors);
        errors.ShouldHaveSingleItem().ShouldStartWith("Mesh:Registries:0:MaxResponseBytes is 1023; set it between 1024 and");
    }

    private sealed class ThrowingStream : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => throw new InvalidOperationException("read");
    }
}
