using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Registry.Adapters.Sync.Serve;

/// <summary>The dashboard's static files, embedded in the console (no build step, nothing from a CDN).</summary>
internal static class Dashboard
{
    private const string Prefix = "Registry.Adapters.Sync.Serve.wwwroot.";

    /// <summary>Scripts, styles and data only from this server; no framing.</summary>
    public const string ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private static readonly Lazy<FrozenDictionary<string, DashboardFile>> s_files = new(Load);

    /// <summary>The embedded files by name (<c>index.html</c>, <c>app.js</c>, ...).</summary>
    public static FrozenDictionary<string, DashboardFile> Files => s_files.Value;

    public static async Task ServeAsync(HttpContext context, string name)
    {
        if (!Files.TryGetValue(name, out var file))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var headers = context.Response.Headers;
        headers.ETag = file.ETag;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        if (context.Request.Headers.IfNoneMatch == file.ETag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        await ServeResults.WriteBytesAsync(context, file.Content, file.ContentType).ConfigureAwait(false);
    }

    private static FrozenDictionary<string, DashboardFile> Load()
    {
        var assembly = typeof(Dashboard).Assembly;
        var files = new Dictionary<string, DashboardFile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(static n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var name = resource[Prefix.Length..];
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..16] + "\"";
            files[name] = new DashboardFile(content, ContentType(name), etag);
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}

/// <summary>One embedded file.</summary>
/// <param name="Content">The bytes.</param>
/// <param name="ContentType">The media type.</param>
/// <param name="ETag">A strong validator of the content.</param>
internal sealed record DashboardFile(byte[] Content, string ContentType, string ETag);
