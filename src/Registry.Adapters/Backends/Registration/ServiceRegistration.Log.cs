using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Backends;

public abstract partial class ServiceRegistration
{
    private static partial class Log
    {
        [LoggerMessage(1600, LogLevel.Information, "Registrar '{Registrar}' registered {Service}/{Id}")]
        public static partial void Registered(ILogger logger, string registrar, string service, string id);

        [LoggerMessage(1601, LogLevel.Warning, "Registrar '{Registrar}': the registry lost {Service}/{Id}; registering it again")]
        public static partial void Lost(ILogger logger, string registrar, string service, string id);

        [LoggerMessage(1602, LogLevel.Information, "Registrar '{Registrar}' registered {Service}/{Id} again")]
        public static partial void Reregistered(ILogger logger, string registrar, string service, string id);

        [LoggerMessage(1603, LogLevel.Warning, "Registrar '{Registrar}': keeping {Service}/{Id} alive failed; retrying every {Interval}: {Error}")]
        public static partial void KeepAliveFailed(ILogger logger, string registrar, string service, string id, TimeSpan interval, string error);

        [LoggerMessage(1604, LogLevel.Debug, "Registrar '{Registrar}': keeping {Service}/{Id} alive still fails: {Error}")]
        public static partial void KeepAliveStillFailing(ILogger logger, string registrar, string service, string id, string error);

        [LoggerMessage(1605, LogLevel.Information, "Registrar '{Registrar}': keeping {Service}/{Id} alive works again")]
        public static partial void KeepAliveRecovered(ILogger logger, string registrar, string service, string id);

        [LoggerMessage(1606, LogLevel.Information, "Registrar '{Registrar}' deregistered {Service}/{Id}")]
        public static partial void Deregistered(ILogger logger, string registrar, string service, string id);

        [LoggerMessage(1607, LogLevel.Warning, "Registrar '{Registrar}' could not deregister {Service}/{Id} (the registry drops it when its TTL or lease runs out): {Error}")]
        public static partial void DeregisterFailed(ILogger logger, string registrar, string service, string id, string error);

        [LoggerMessage(1608, LogLevel.Information, "Registrar '{Registrar}': {Service}/{Id} health set to {Health}")]
        public static partial void HealthSet(ILogger logger, string registrar, string service, string id, HealthStatus health);
    }
}
