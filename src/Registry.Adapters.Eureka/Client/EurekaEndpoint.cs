using System.Net.Http.Headers;
using System.Text;

namespace Registry.Adapters.Eureka.Transport;

/// <summary>
/// One configured service URL, split into the base URI that requests use (user info removed), a basic-auth
/// header built from the user info, and a display form that never carries the password.
/// </summary>
internal sealed class EurekaEndpoint
{
    private EurekaEndpoint(Uri baseUri, AuthenticationHeaderValue? authorization)
    {
        BaseUri = baseUri;
        Authorization = authorization;
        Display = baseUri.GetLeftPart(UriPartial.Path);
    }

    /// <summary>The base URI without user info, ending with <c>/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>The basic-auth header, when the URL carried user info.</summary>
    public AuthenticationHeaderValue? Authorization { get; }

    /// <summary>The URL for logs and errors: no user info.</summary>
    public string Display { get; }

    /// <summary>Parses a configured URL.</summary>
    /// <param name="url">The URL, possibly with <c>user:password@</c>.</param>
    /// <returns>The endpoint.</returns>
    /// <exception cref="ArgumentException">The URL is not absolute http(s); the message does not repeat it.</exception>
    public static EurekaEndpoint Parse(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("A Eureka service URL is not an absolute http(s) URL.", nameof(url));
        }

        AuthenticationHeaderValue? authorization = null;
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var separator = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(separator < 0 ? uri.UserInfo : uri.UserInfo[..separator]);
            var password = separator < 0 ? string.Empty : Uri.UnescapeDataString(uri.UserInfo[(separator + 1)..]);
            Registry.Adapters.Backends.SecretScrubber.RegisterBasicAuth(user, password);
            authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }

        var builder = new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty, Query = string.Empty, Fragment = string.Empty };
        if (!builder.Path.EndsWith('/'))
        {
            builder.Path += "/";
        }

        return new EurekaEndpoint(builder.Uri, authorization);
    }

    /// <summary>Removes user info from a URL for display; an unparsable URL shows as <c>(invalid URL)</c>.</summary>
    /// <param name="url">The URL.</param>
    /// <returns>A safe rendering.</returns>
    public static string Redact(string? url)
    {
        try
        {
            return url is null ? "(null)" : Parse(url).Display;
        }
        catch (ArgumentException)
        {
            return "(invalid URL)";
        }
    }
}
