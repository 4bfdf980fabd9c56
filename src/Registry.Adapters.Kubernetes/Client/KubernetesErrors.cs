using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Registry.Adapters.Kubernetes;

/// <summary>Turns client exceptions into messages that say what to fix, without credentials.</summary>
internal static class KubernetesErrors
{
    public static bool IsGone(Exception ex) =>
        ex is HttpOperationException { Response.StatusCode: HttpStatusCode.Gone }
        || ex is KubernetesException { Status.Code: 410 };

    /// <summary>A message for the registry state, and whether retrying cannot help (credentials, permissions, configuration).</summary>
    public static (string Error, bool Permanent) Describe(Exception ex, string verb, ResourceStream stream, Uri? server)
    {
        switch (ex)
        {
            case HttpOperationException http:
                var code = (int)(http.Response?.StatusCode ?? 0);
                var status = TryParseStatus(http.Response?.Content);
                return Describe(code, status?.Message ?? http.Response?.ReasonPhrase, verb, stream);
            case KubernetesException { Status: { } inBand }:
                return Describe(inBand.Code ?? 0, inBand.Message, verb, stream);
            case RegistryException registry:
                return (registry.Message, registry.IsPermanent);
            case HttpRequestException or IOException or TimeoutException or TaskCanceledException:
                return ($"Cannot reach the Kubernetes API server {Redact(server)} ({verb} {stream}): {Printable(ex.Message)}", false);
            default:
                return ($"{verb} {stream} failed: {ex.GetType().Name}: {Printable(ex.Message)}", false);
        }
    }

    private static (string, bool) Describe(int code, string? message, string verb, ResourceStream stream)
    {
        var said = string.IsNullOrEmpty(message) ? string.Empty : $" The API server said: {Printable(message)}";
        return code switch
        {
            401 => ($"Unauthorized (401) on {verb} {stream}: the API server rejected the credentials (an expired or invalid token, or the wrong kubeconfig user or context).{said}", true),
            403 => ($"Forbidden (403): the identity lacks '{verb}' on {stream.Resource} {stream.Scope}; grant list and watch on endpointslices.discovery.k8s.io and services (a ClusterRole, or a Role per namespace).{said}", true),
            404 => ($"Not found (404) on {verb} {stream}: the API server does not serve it (discovery.k8s.io/v1 needs Kubernetes 1.21 or later) or the namespace does not exist.{said}", true),
            _ => ($"HTTP {code} on {verb} {stream}.{said}", false),
        };
    }

    private static V1Status? TryParseStatus(string? content)
    {
        if (string.IsNullOrWhiteSpace(content) || content[0] != '{')
        {
            return null;
        }

        try
        {
            var status = KubernetesJson.Deserialize<V1Status>(content);
            return string.Equals(status?.Kind, "Status", StringComparison.Ordinal) ? status : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The server's scheme, host and port: never user-info, path or query.</summary>
    public static string Redact(Uri? server) =>
        server is null ? "(unknown)" : server.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);

    /// <summary>Server text, printable, bounded, and with every secret the process holds masked (a 401 that quotes the token).</summary>
    private static string Printable(string? value) => Registry.Adapters.Backends.SecretScrubber.ScrubPrintable(value, 300);
}
