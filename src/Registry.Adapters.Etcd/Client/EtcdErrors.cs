using System.Net.Sockets;
using Grpc.Core;

namespace Registry.Adapters.Etcd;

/// <summary>
/// Turns gRPC and transport failures into <see cref="RegistryException"/>s whose messages are safe to show: server text is
/// bounded, made printable and passed through the shared <see cref="Registry.Adapters.Backends.SecretScrubber"/> (a proxy
/// that quotes the password or the auth token back shows <c>***</c>).
/// </summary>
internal static class EtcdErrors
{
    public static bool IsInvalidToken(RpcException ex) =>
        ex.Status.Detail.Contains("invalid auth token", StringComparison.OrdinalIgnoreCase);

    public static bool IsCompacted(RpcException ex) =>
        ex.StatusCode == StatusCode.OutOfRange && ex.Status.Detail.Contains("compacted", StringComparison.OrdinalIgnoreCase);

    public static bool IsTooLarge(RpcException ex) => ex.StatusCode == StatusCode.ResourceExhausted;

    /// <summary>Describes <paramref name="ex"/> as a registry error; permanent for bad credentials or missing permission.</summary>
    public static RegistryException Translate(Exception ex, Uri endpoint, string what)
    {
        if (ex is RegistryException registry)
        {
            return registry;
        }

        var where = $"{endpoint.Scheme}://{endpoint.Authority}";
        if (ex is RpcException rpc)
        {
            var detail = Registry.Adapters.Backends.SecretScrubber.ScrubPrintable(Inner(rpc), 300);
            // An expired token is not permanent: the next connection authenticates again.
            var permanent = (rpc.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied && !IsInvalidToken(rpc))
                || (rpc.StatusCode == StatusCode.InvalidArgument && detail.Contains("authentication failed", StringComparison.OrdinalIgnoreCase))
                || detail.Contains("user name is empty", StringComparison.OrdinalIgnoreCase)
                || detail.Contains("permission denied", StringComparison.OrdinalIgnoreCase);
            var hint = permanent ? " Check Username/Password and the user's role on the prefix." : string.Empty;
            return new RegistryException($"etcd at {where} failed {what}: {rpc.StatusCode}: {detail}.{hint}", ex) { IsPermanent = permanent };
        }

        return new RegistryException($"etcd at {where} failed {what}: {Registry.Adapters.Backends.SecretScrubber.ScrubPrintable(Describe(ex), 300)}", ex);
    }

    private static string Inner(RpcException rpc)
    {
        if (!string.IsNullOrEmpty(rpc.Status.Detail) && rpc.Status.DebugException is null)
        {
            return rpc.Status.Detail;
        }

        return rpc.Status.DebugException is { } inner ? $"{rpc.Status.Detail} ({Describe(inner)})" : rpc.Status.Detail;
    }

    private static string Describe(Exception ex)
    {
        var innermost = ex;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return innermost is SocketException socket ? $"{socket.SocketErrorCode}: {socket.Message}" : innermost.Message;
    }
}
