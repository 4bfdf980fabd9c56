using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Registry.Adapters.Sync.Serve;

/// <summary>
/// Requires the bearer token on <c>/v1/*</c> and <c>/metrics</c> when one is configured: an <c>Authorization: Bearer</c>
/// header, or the <c>mesh_sync_token</c> cookie the dashboard sets (an EventSource cannot send headers). The dashboard's
/// static files and <c>/healthz</c>, <c>/readyz</c> (probes) stay open; they carry no catalog data.
/// </summary>
internal sealed class BearerAuth
{
    /// <summary>The cookie the dashboard stores the token in.</summary>
    public const string CookieName = "mesh_sync_token";

    private readonly byte[] _expected;

    public BearerAuth(string token)
    {
        _expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    public static bool IsProtected(PathString path) =>
        path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase);

    /// <summary>Compares in constant time (over fixed-length hashes, so the length does not leak either).</summary>
    public bool IsAuthorized(HttpRequest request)
    {
        var presented = Presented(request);
        if (presented is null)
        {
            return false;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        return CryptographicOperations.FixedTimeEquals(hash, _expected);
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!IsProtected(context.Request.Path) || IsAuthorized(context.Request))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"mesh-sync\"";
        await ServeResults.WriteErrorAsync(context, "a bearer token is required (Authorization: Bearer TOKEN)").ConfigureAwait(false);
    }

    private static string? Presented(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        return request.Cookies.TryGetValue(CookieName, out var cookie) && cookie.Length > 0 ? Uri.UnescapeDataString(cookie) : null;
    }
}
