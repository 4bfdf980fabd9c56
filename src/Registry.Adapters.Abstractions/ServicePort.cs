namespace Registry.Adapters;

/// <summary>A named port of a service instance, such as <c>http</c> 8080 or <c>grpc</c> 9090.</summary>
/// <param name="Name">The port name (<c>http</c>, <c>grpc</c>, …); unique within an instance.</param>
/// <param name="Port">The port number, 1 to 65535.</param>
/// <param name="Protocol">The application protocol (<c>http</c>, <c>https</c>, <c>grpc</c>, <c>tcp</c>).</param>
public sealed record ServicePort(string Name, int Port, string Protocol = "tcp")
{
    /// <summary>The lowest valid port number.</summary>
    public const int MinPort = 1;

    /// <summary>The highest valid port number.</summary>
    public const int MaxPort = 65535;
}
