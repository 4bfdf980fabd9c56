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

    /// <summary>
    /// The instances of one service of a batch that a writer may write, in order: each passes <see cref="Check"/>, the
    /// writer's own normalisation and its conflict rule, and its id is not used twice in the batch. Every other instance
    /// is added to <paramref name="rejected"/> with the reason, under <see cref="Describe"/>'s key. An instance that
    /// <paramref name="normalized"/> recognises (the very object the writer's own <c>TryNormalize</c> returned, which
    /// cannot have changed since) is its own stored form and is not normalized again; it passes every other check.
    /// </summary>
    /// <param name="service">The target service name.</param>
    /// <param name="desired">The batch's desired instances of that service.</param>
    /// <param name="syncId">The batch's sync id.</param>
    /// <param name="normalized">What the writer's <c>TryNormalize</c> returned, or <see langword="null"/> to normalize every instance.</param>
    /// <param name="normalize">The writer's <see cref="IServiceRegistryWriter.TryNormalize"/>, as a function returning the stored form or why not.</param>
    /// <param name="conflict">Why the target refuses this instance (a record the sync does not own holds its key), or <see langword="null"/>.</param>
    /// <param name="rejected">Receives the refused instances.</param>
    /// <returns>The stored forms of the accepted instances.</returns>
    public static List<ServiceInstance> Accept(
        string service,
        IReadOnlyList<ServiceInstance> desired,
        string syncId,
        NormalizedInstances? normalized,
        Func<ServiceInstance, (ServiceInstance? Stored, string? Reason)> normalize,
        Func<ServiceInstance, string?> conflict,
        ICollection<SkippedRecord> rejected)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(normalize);
        ArgumentNullException.ThrowIfNull(conflict);
        ArgumentNullException.ThrowIfNull(rejected);
        var accepted = new List<ServiceInstance>(desired.Count);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var instance in desired)
        {
            var reason = Check(service, instance, syncId);
            ServiceInstance? stored = null;
            if (reason is null)
            {
                (stored, reason) = normalized is not null && normalized.Contains(instance) ? (instance, null) : normalize(instance);
            }

            reason ??= conflict(instance) ?? (!ids.Add(instance.Id) ? "the instance id is used twice in the batch" : null);
            if (reason is not null || stored is null)
            {
                rejected.Add(new SkippedRecord(Describe(service, instance), reason ?? "invalid"));
                continue;
            }

            accepted.Add(stored);
        }

        return accepted;
    }
}
