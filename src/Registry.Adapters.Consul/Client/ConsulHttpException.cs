using System.Net;

namespace Registry.Adapters.Consul.Client;

/// <summary>Consul answered with an error status. The message never carries the token.</summary>
internal sealed class ConsulHttpException : RegistryException
{
    public ConsulHttpException(string message, HttpStatusCode statusCode, string body)
        : base(message)
    {
        StatusCode = statusCode;
        Body = body;
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The response body, bounded and printable.</summary>
    public string Body { get; }
}
