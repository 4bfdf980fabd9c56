using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Registry.Adapters.Benchmarks.Catalog;
using Registry.Adapters.Sync.Serialization;
using Registry.Adapters.Sync;
using Registry.Adapters.Sync.Serve;

namespace Registry.Adapters.Benchmarks.Serve;

/// <summary>
/// <c>GET /v1/catalog</c> of <c>mesh-sync serve</c> (<see cref="ServeHost"/> on loopback Kestrel, read by an
/// <see cref="HttpClient"/> to the end) at 100,000 instances (25,000 services × 4), beside the baseline: building the
/// same <c>list --output json</c> document and serializing it straight to a stream, in process. <c>Cached</c> is a GET at
/// a revision already served (the encoded body is shared); <c>AfterChange</c> applies one service change first, so that
/// GET builds and encodes the new revision. The body's size is printed by the setup (<c>// /v1/catalog …</c>).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ServeCatalogBenchmarks
{
    private const int PerService = 4;

    private MeshCatalog _catalog = null!;
    private ServeHost _host = null!;
    private HttpClient _http = null!;
    private ServiceChangedEvent _down = null!;
    private ServiceChangedEvent _up = null!;
    private bool _flip;

    public static IEnumerable<int> SizeValues => BenchmarkSettings.Sizes(100, 100_000);

    /// <summary>Instances in the catalog.</summary>
    [ParamsSource(nameof(SizeValues))]
    public int Instances { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var services = Instances / PerService;
        _catalog = CatalogData.Catalog(1, services, PerService);
        var name = CatalogData.ServiceName(services / 2);
        var first = services / 2 * PerService;
        ServiceInstance[] Set(HealthStatus health) => [.. Enumerable.Range(first, PerService).Select(i => CatalogData.Instance(name, 0, i, i == first ? health : HealthStatus.Healthy))];
        _up = new ServiceChangedEvent(name, Set(HealthStatus.Healthy), "2");
        _down = new ServiceChangedEvent(name, Set(HealthStatus.Unhealthy), "3");
        _host = await ServeHost.StartAsync(_catalog, new ServeSettings { Listen = ListenAddress.Parse("127.0.0.1:0") }, logging: null, CancellationToken.None);
        _http = new HttpClient { BaseAddress = _host.Address };
        var body = await _http.GetByteArrayAsync("v1/catalog");
        var direct = SerializeToStream();
        Console.WriteLine($"// /v1/catalog at {Instances} instances: {body.Length} bytes over HTTP; the document serialized directly: {direct} bytes");
        if (body.Length != direct)
        {
            throw new InvalidOperationException("the served body and the baseline's document differ in size");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
        _catalog.Dispose();
    }

    /// <summary>The same document, built from the current snapshot and serialized to a stream that only counts.</summary>
    [Benchmark(Baseline = true)]
    public long SerializeToStream()
    {
        using var counter = new CountingStream();
        var document = CatalogDocumentWriter.Build(_catalog.Current, null, Redaction.Redact);
        JsonSerializer.Serialize(counter, document, CatalogJsonContext.Default.CatalogDocument);
        return counter.Length;
    }

    /// <summary>GET at a revision already served: the shared encoded body, sent and read to the end.</summary>
    [Benchmark]
    public Task<long> GetCatalogCached() => GetAsync();

    /// <summary>One service changes, then GET: the new revision is built, encoded, sent and read to the end.</summary>
    [Benchmark]
    public Task<long> GetCatalogAfterChange()
    {
        _flip = !_flip;
        _catalog.Apply("registry-0", _flip ? _down : _up);
        return GetAsync();
    }

    private async Task<long> GetAsync()
    {
        using var response = await _http.GetAsync("v1/catalog", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        using var counter = new CountingStream();
        await body.CopyToAsync(counter);
        return counter.Length;
    }

    /// <summary>A write-only stream that counts the bytes written.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            _length += count;
            return Task.CompletedTask;
        }
    }
}
