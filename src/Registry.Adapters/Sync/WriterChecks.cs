namespace Registry.Adapters.Sync;

/// <summary>The checks every <see cref="IServiceRegistryWriter"/> runs on a batch before anything becomes a key, path, URL or header.</summary>
public static class WriterChecks
{
    /// <summary>
    /// Checks one desired instance of a batch: it passes <see cref="ServiceInstanceValidator.Validate"/>, belongs to
    /// the service it is listed under, and carries the batch's sync id and an origin.
    /// </summary>
    /// <param name="service">The target service name it is listed under.</param>
    /// <param name="instance">The instance.</param>
    /// <param name="syncId">The batch's sync id.</param>
    /// <returns><see langword="null"/> when valid, else why not (printable).</returns>
    public static string? Check(string service, ServiceInstance instance, string syncId)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var error = ServiceInstanceValidator.Validate(instance);
        if (error is not null)
        {
            return error;
        }

        if (!string.Equals(instance.Service, service, StringComparison.Ordinal))
        {
            return $"instance of '{ServiceInstanceValidator.Printable(instance.Service)}' is listed under '{ServiceInstanceValidator.Printable(service)}'";
        }

        if (!SyncMetadata.IsOwnedBy(instance, syncId))
        {
            return $"instance does not carry {SyncMetadata.SyncIdKey}={syncId}";
        }

        return string.IsNullOrEmpty(SyncMetadata.GetOrigin(instance)) ? $"instance does not carry {SyncMetadata.OriginKey}" : null;
    }

    /// <summary>Checks a batch's sync id and service names; throws for a programming error (the engine validates both first).</summary>
    /// <param name="batch">The batch.</param>
    /// <exception cref="ArgumentException">The sync id or a service name is invalid.</exception>
    public static void CheckBatch(WriteBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (SyncMetadata.ValidateSyncId(batch.SyncId) is { } error)
        {
            throw new ArgumentException(error, nameof(batch));
        }
    }

    /// <summary>The key under which a rejected instance is reported (printable, bounded).</summary>
    /// <param name="service">The service.</param>
    /// <param name="instance">The instance.</param>
    /// <returns>The key.</returns>
    public static string Describe(string service, ServiceInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return $"{ServiceInstanceValidator.Printable(service)}/{ServiceInstanceValidator.Printable(instance.Id)}";
    }
}
