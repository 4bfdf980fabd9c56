using Registry.Adapters.Sync;

namespace Registry.Adapters.Eureka;

/// <summary>Listing what a sync id owns and applying a batch: register, re-register, override, cancel.</summary>
internal sealed partial class EurekaSyncWriter
{
    private const string OutOfService = "OUT_OF_SERVICE";

    public async Task<OwnedRecords> ListOwnedAsync(string syncId, CancellationToken cancellationToken)
    {
        if (SyncMetadata.ValidateSyncId(syncId) is { } error)
        {
            throw new ArgumentException(error, nameof(syncId));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var state = await ListLockedAsync(syncId, cancellationToken).ConfigureAwait(false);
            return new OwnedRecords
            {
                Services = state.Owned.ToDictionary(
                    static p => p.Key,
                    static p => (IReadOnlyList<ServiceInstance>)[.. p.Value.Values.OrderBy(static i => i.Id, StringComparer.Ordinal)],
                    StringComparer.Ordinal),
                Revision = state.Revision,
            };
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<WriteResult> ApplyAsync(WriteBatch batch, CancellationToken cancellationToken)
    {
        WriterChecks.CheckBatch(batch);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var requests = 0;
            if (!_owned.TryGetValue(batch.SyncId, out var state))
            {
                state = await ListLockedAsync(batch.SyncId, cancellationToken).ConfigureAwait(false);
                requests++;
            }

            var rejected = new List<SkippedRecord>();
            var creates = new List<ServiceInstance>();
            var updates = new List<(ServiceInstance Old, ServiceInstance New)>();
            var deletes = new List<ServiceInstance>();
            foreach (var (service, desired) in batch.Services)
            {
                var diff = OwnedDiff.Compute(state.Of(service), Accept(service, desired, batch.SyncId, state, rejected));
                creates.AddRange(diff.Creates);
                updates.AddRange(diff.Updates);
                deletes.AddRange(diff.Deletes);
            }

            try
            {
                // Creates and updates before deletes.
                foreach (var instance in creates)
                {
                    requests += await RegisterAsync(instance, draining: false, cancellationToken).ConfigureAwait(false);
                    state.Set(instance.Service, instance);
                }

                foreach (var (old, instance) in updates)
                {
                    requests += await RegisterAsync(instance, draining: old.Health == HealthStatus.Draining, cancellationToken).ConfigureAwait(false);
                    state.Set(instance.Service, instance);
                }

                foreach (var instance in deletes)
                {
                    var app = instance.Service.ToUpperInvariant();
                    _leases.TryRemove((app, instance.Id), out _);
                    await _client.CancelAsync(app, instance.Id, cancellationToken).ConfigureAwait(false);
                    requests++;
                    state.Remove(instance.Service, instance.Id);
                }
            }
            catch (RegistryException)
            {
                _owned.Remove(batch.SyncId);
                throw;
            }
            finally
            {
                EnsureHeartbeat();
            }

            return new WriteResult { Created = creates.Count, Updated = updates.Count, Deleted = deletes.Count, Requests = requests, Rejected = rejected };
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<OwnedState> ListLockedAsync(string syncId, CancellationToken cancellationToken)
    {
        _owned.Remove(syncId);
        var applications = await _client.GetApplicationsAsync(cancellationToken).ConfigureAwait(false);
        var state = new OwnedState { Revision = applications.AppsHashCode };
        foreach (var application in applications.Application ?? [])
        {
            foreach (var instance in application?.Instance ?? [])
            {
                if (instance is null)
                {
                    continue;
                }

                instance.App ??= application!.Name;
                var app = (instance.App ?? string.Empty).ToUpperInvariant();
                var id = EurekaInstanceMapper.InstanceId(instance, application!.Name) ?? string.Empty;
                if (instance.Metadata is null || !instance.Metadata.TryGetValue(SyncMetadata.SyncIdKey, out var owner) || !string.Equals(owner, syncId, StringComparison.Ordinal))
                {
                    state.Foreign.Add((app, id));
                    continue;
                }

                if (!TryRead(instance, out var stored, out var reason))
                {
                    // A record the sync cannot read back is never rewritten or deleted: it may have been edited by hand.
                    Log.OwnedRecordUnreadable(_logger, _name, $"{ServiceInstanceValidator.Printable(app)}/{ServiceInstanceValidator.Printable(id)}", reason);
                    state.Foreign.Add((app, id));
                    continue;
                }

                state.Set(stored.Service, stored);

                // A restarted sync keeps the leases of what it owns alive from now on.
                _leases.TryAdd((app, stored.Id), new MirroredLease(app, stored, 0));
            }
        }

        _owned[syncId] = state;
        EnsureHeartbeat();
        return state;
    }

    private List<ServiceInstance> Accept(string service, IReadOnlyList<ServiceInstance> desired, string syncId, OwnedState state, List<SkippedRecord> rejected) =>
        WriterChecks.Accept(
            service,
            desired,
            syncId,
            _normalized,
            instance => TryNormalize(instance, out var stored, out var reason) ? (stored, null) : (null, reason),
            instance => state.Foreign.Contains((service.ToUpperInvariant(), instance.Id))
                ? "Eureka holds an instance with this id in the application that the sync does not own"
                : null,
            rejected);

    /// <summary>Registers (or registers again, with a newer dirty timestamp) and sets or removes the out-of-service override; returns the requests sent.</summary>
    private async Task<int> RegisterAsync(ServiceInstance instance, bool draining, CancellationToken cancellationToken)
    {
        var app = instance.Service.ToUpperInvariant();
        var dirty = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var lease = new MirroredLease(app, instance, dirty);
        _leases[(app, instance.Id)] = lease;
        await _client.RegisterAsync(app, Body(instance, dirty), cancellationToken).ConfigureAwait(false);
        var requests = 1;
        if (instance.Health == HealthStatus.Draining)
        {
            await _client.SetStatusOverrideAsync(app, instance.Id, OutOfService, cancellationToken).ConfigureAwait(false);
            requests++;
        }
        else if (draining)
        {
            await _client.DeleteStatusOverrideAsync(app, instance.Id, EurekaServiceRegistrar.StatusFor(instance.Health), cancellationToken).ConfigureAwait(false);
            requests++;
        }

        return requests;
    }

    private void EnsureHeartbeat()
    {
        if (!_leases.IsEmpty && Interlocked.Exchange(ref _heartbeatStarted, 1) == 0)
        {
            // The timer starts now, on the writer's clock: the first heartbeats are one renewal interval after the first write.
            var timer = new PeriodicTimer(_options.RenewalInterval, _time);
            _ = Task.Run(() => HeartbeatLoopAsync(timer, _stopping.Token), CancellationToken.None);
        }
    }

    private async Task HeartbeatLoopAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        using (timer)
        {
            try
            {
                while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                {
                    await Parallel.ForEachAsync(
                        _leases.Values.ToArray(),
                        new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
                        (lease, token) => new ValueTask(RenewAsync(lease, token))).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }
    }

    private async Task RenewAsync(MirroredLease lease, CancellationToken cancellationToken)
    {
        var instance = lease.Instance;
        try
        {
            var status = instance.Health == HealthStatus.Draining ? OutOfService : EurekaServiceRegistrar.StatusFor(instance.Health);
            if (await _client.RenewAsync(lease.App, instance.Id, status, lease.LastDirty, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            Log.LeaseLost(_logger, _name, lease.App, instance.Id);
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Registered again only if it is still wanted as it was (a batch may have replaced or removed it meanwhile).
                if (_leases.TryGetValue((lease.App, instance.Id), out var current) && ReferenceEquals(current, lease))
                {
                    await RegisterAsync(instance, draining: false, cancellationToken).ConfigureAwait(false);
                    Interlocked.Increment(ref _reregistrations);
                }
            }
            finally
            {
                _gate.Release();
            }
        }
        catch (RegistryException ex)
        {
            Log.HeartbeatFailed(_logger, _name, lease.App, instance.Id, ServiceInstanceValidator.Printable(ex.Message, 200));
        }
    }
}
