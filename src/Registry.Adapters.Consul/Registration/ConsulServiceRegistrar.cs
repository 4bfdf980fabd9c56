using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Registry.Adapters.Backends;
using Registry.Adapters.Consul.Client;

namespace Registry.Adapters.Consul;

/// <summary>
/// Registers instances with the local Consul agent (<c>PUT /v1/agent/service/register</c>) with a TTL check
/// kept passing, or an HTTP check the agent runs; re-registers when the agent lost the service.
/// </summary>
internal sealed partial class ConsulServiceRegistrar : ServiceRegistrar, IDisposable
{
    public ConsulServiceRegistrar(string name, ConsulSettings settings, ILoggerFactory loggerFactory, TimeProvider timeProvider)
        : base(name)
    {
        Time = timeProvider;
        Logger = loggerFactory.CreateLogger("Registry.Adapters.Consul.ConsulServiceRegistrar");
        Client = new ConsulClient(settings, new ConsulTokenSource(settings.Token, settings.TokenFile, Logger), timeProvider);
    }

    internal ConsulClient Client { get; }

    internal ILogger Logger { get; }

    internal TimeProvider Time { get; }

    internal ConsulRegistrationOptions Options => Client.Settings.Registration;

    public void Dispose() => Client.Dispose();

    protected override ServiceRegistration CreateRegistration(ServiceInstance instance) => new ConsulServiceRegistration(this, instance);

    /// <summary>The body of <c>PUT /v1/agent/service/register</c> for an instance.</summary>
    internal RegistrationBody BuildRegistration(ServiceInstance instance, HealthStatus health)
    {
        var settings = Client.Settings;
        var port = instance.GetPort(settings.PortName) ?? (instance.Ports.Count > 0 ? instance.Ports[0] : null);
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in instance.Metadata)
        {
            // Consul accepts meta keys of [A-Za-z0-9_-] up to 128 characters, values up to 512, and reserves "consul-".
            if (MetaKey().IsMatch(key) && !key.StartsWith("consul-", StringComparison.OrdinalIgnoreCase) && value.Length <= 512 && meta.Count < 60)
            {
                meta[key] = value;
            }
        }

        if (instance.Zone is { } zone)
        {
            meta[settings.ZoneMetaKey] = zone;
        }

        if (port is not null)
        {
            meta[settings.ProtocolMetaKey] = port.Protocol;
        }

        var checkId = "service:" + instance.Id;
        var options = settings.Registration;
        var check = new ConsulServiceCheck
        {
            CheckID = checkId,
            DeregisterCriticalServiceAfter = options.DeregisterCriticalServiceAfter is { } reap ? Duration(reap) : null,
        };
        if (options.CheckMode == ConsulCheckMode.Ttl)
        {
            check.Name = $"{instance.Service} TTL";
            check.TTL = Duration(options.Ttl);
            check.Status = ConsulServiceRegistration.CheckStatus(health);
        }
        else
        {
            check.Name = $"{instance.Service} HTTP";
            check.HTTP = options.HttpCheckUrl ?? BuildCheckUrl(instance, port, options.HttpCheckPath);
            check.Interval = Duration(options.HttpCheckInterval);
            check.Timeout = Duration(options.HttpCheckTimeout);
        }

        return new RegistrationBody(
            new ConsulRegisterRequest
            {
                ID = instance.Id,
                Name = instance.Service,
                Tags = [.. instance.Tags],
                Address = instance.Host,
                Port = port?.Port,
                Meta = meta,
                Namespace = settings.Namespace,
                Partition = settings.Partition,
                Check = check,
            },
            checkId);
    }

    private static string BuildCheckUrl(ServiceInstance instance, ServicePort? port, string path)
    {
        var scheme = port?.Protocol is "https" ? "https" : "http";
        var host = instance.Host.Contains(':', StringComparison.Ordinal) ? $"[{instance.Host}]" : instance.Host;
        var portPart = port is null ? string.Empty : ":" + port.Port.ToString(CultureInfo.InvariantCulture);
        return $"{scheme}://{host}{portPart}{(path.StartsWith('/') ? path : "/" + path)}";
    }

    internal static string Duration(TimeSpan value) =>
        ((long)Math.Ceiling(value.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture) + "ms";

    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$")]
    private static partial Regex MetaKey();
}

/// <summary>A registration request and the id of its check.</summary>
internal sealed record RegistrationBody(ConsulRegisterRequest Request, string CheckId);
