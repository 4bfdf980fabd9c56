using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Registry.Adapters.Sync.Serve;

/// <summary>Writes JSON responses.</summary>
internal static class ServeResults
{
    public static Task WriteErrorAsync(HttpContext context, string error) =>
        WriteJsonAsync(context, new ServeErrorDocument { Error = error }, ServeJsonContext.Default.ServeErrorDocument);

    public static async Task WriteJsonAsync<T>(HttpContext context, T value, JsonTypeInfo<T> type)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted).ConfigureAwait(false);
    }

    public static async Task WriteBytesAsync(HttpContext context, byte[] body, string contentType)
    {
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }
}
