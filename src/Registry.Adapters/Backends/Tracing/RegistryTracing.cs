using System.Diagnostics;

namespace Registry.Adapters.Backends;

/// <summary>
/// Spans of the backend kit: every package has an <see cref="ActivitySource"/> named like the package
/// (<c>Registry.Adapters.Consul</c>, …) and starts its spans here, so names and attributes are the same everywhere:
/// OpenTelemetry's <c>server.address</c>, <c>server.port</c> and <c>error.type</c>, and the package's own
/// <c>registry.name</c>, <c>registry.kind</c> and <c>service.name</c> (the source's name of the service, when the span is
/// about one). When nobody listens, <see cref="Start"/> returns <see langword="null"/> before creating anything.
/// </summary>
public static class RegistryTracing
{
    /// <summary>A read round: one blocking query, list, poll or range read.</summary>
    public const string Read = "registry.read";

    /// <summary>A forced full re-read (compaction, 410 Gone, a hash mismatch, a rebuilt server).</summary>
    public const string Resync = "registry.resync";

    /// <summary>Registering an instance (and re-registering it after a loss).</summary>
    public const string Register = "registry.register";

    /// <summary>Deregistering an instance.</summary>
    public const string Deregister = "registry.deregister";

    /// <summary>One batch of writes to a sync target.</summary>
    public const string Write = "registry.write";

    /// <summary>Creates a package's source, versioned like the package's assembly.</summary>
    /// <param name="name">The package name, e.g. <c>Registry.Adapters.Consul</c>.</param>
    /// <param name="assemblyOf">A type of the package.</param>
    /// <returns>The source.</returns>
    public static ActivitySource CreateSource(string name, Type assemblyOf)
    {
        ArgumentNullException.ThrowIfNull(assemblyOf);
        return new ActivitySource(name, assemblyOf.Assembly.GetName().Version?.ToString());
    }

    /// <summary>Starts a span, or returns <see langword="null"/> when nobody listens to <paramref name="source"/>.</summary>
    /// <param name="source">The package's source.</param>
    /// <param name="operation">One of the operation names above.</param>
    /// <param name="registryName">The registry's configured name.</param>
    /// <param name="registryKind">Its kind (<c>consul</c>, <c>etcd</c>, …).</param>
    /// <param name="server">The server addressed, when one is (scheme, host and port only are recorded).</param>
    /// <param name="service">The source's name of the service the span is about, or <see langword="null"/>.</param>
    /// <returns>The started span, or <see langword="null"/>.</returns>
    public static Activity? Start(ActivitySource source, string operation, string registryName, string registryKind, Uri? server = null, string? service = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.HasListeners())
        {
            return null;
        }

        var activity = source.StartActivity(operation, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("registry.name", registryName);
            activity.SetTag("registry.kind", registryKind);
            if (server is { IsAbsoluteUri: true })
            {
                activity.SetTag("server.address", server.Host);
                activity.SetTag("server.port", server.Port);
            }

            if (service is not null)
            {
                activity.SetTag("service.name", service);
            }
        }

        return activity;
    }

    /// <summary>Marks <paramref name="activity"/> failed: status Error with the (scrubbed) message, and <c>error.type</c>.</summary>
    /// <param name="activity">The span, or <see langword="null"/>.</param>
    /// <param name="exception">The failure.</param>
    public static void Fail(Activity? activity, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, SecretScrubber.ScrubPrintable(exception.Message, 300));
        activity.SetTag("error.type", exception is RegistryException { IsPermanent: true } ? "permanent" : exception.GetType().FullName);
    }

    /// <summary>Records a count on <paramref name="activity"/> when it records data.</summary>
    /// <param name="activity">The span, or <see langword="null"/>.</param>
    /// <param name="name">The attribute.</param>
    /// <param name="value">The value.</param>
    public static void SetCount(Activity? activity, string name, long value)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(name, value);
        }
    }
}
