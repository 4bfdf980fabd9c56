using System.Globalization;
using Registry.Adapters.Consul.Client;

namespace Registry.Adapters.Consul.Leadership;

/// <summary>The session keeper: create, hold the member key, renew every RetryPeriod, give the session up at the renew deadline.</summary>
internal sealed partial class ConsulSyncElection
{
    private async Task KeepAsync(CancellationToken stop)
    {
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            ConsulSession session;
            try
            {
                session = await CreateAsync(stop).ConfigureAwait(false);
                failures = 0;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (RegistryException ex)
            {
                Failed("creating the session", ex, ++failures);
                if (!await DelayAsync(Options.RetryPeriod, stop).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            await RenewAsync(session, stop).ConfigureAwait(false);
            if (stop.IsCancellationRequested)
            {
                // DisposeAsync destroys the current session.
                return;
            }

            Retire(session);

            if (!session.Gone)
            {
                // Given up at the renew deadline: end it if the servers can be reached, so its keys do not wait for the TTL.
                await DestroyAsync(session).ConfigureAwait(false);
            }
        }
    }

    private async Task<ConsulSession> CreateAsync(CancellationToken stop)
    {
        var started = Time.GetTimestamp();
        var id = await Client.CreateSessionAsync(
            new ConsulSessionCreate
            {
                Name = "mesh-sync " + Identity,
                TTL = Seconds(Ttl),
                Behavior = "delete",
                LockDelay = Seconds(LockDelay),
            },
            stop).ConfigureAwait(false);
        var session = new ConsulSession(id);
        var remaining = Options.RenewDeadline - Time.GetElapsedTime(started);
        session.Renewals = new PeriodicTimer(Options.RetryPeriod, Time);
        session.Deadline = Time.CreateTimer(static state => ((ConsulSession)state!).Lose(), session, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        Log.SessionCreated(Logger, RegistryName, Identity, id, Ttl, LockDelay);
        lock (_gate)
        {
            // Current from here on, so a dispose during the member acquire still destroys it.
            _current = session;
        }

        try
        {
            await AcquireMemberAsync(session, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        lock (_gate)
        {
            _session.TrySetResult(session);
        }

        return session;
    }

    private async Task RenewAsync(ConsulSession session, CancellationToken stop)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, session.Lost);
        var failures = 0;
        while (true)
        {
            if (!await TickAsync(session.Renewals!, linked.Token).ConfigureAwait(false))
            {
                if (session.IsLost && !stop.IsCancellationRequested)
                {
                    Log.SessionExpired(Logger, RegistryName, Identity, session.Id, Options.RenewDeadline);
                }

                return;
            }

            var started = Time.GetTimestamp();
            try
            {
                if (!await Client.RenewSessionAsync(session.Id, Options.RenewDeadline, linked.Token).ConfigureAwait(false))
                {
                    session.Gone = true;
                    Log.SessionGone(Logger, RegistryName, Identity, session.Id);
                    return;
                }

                // The deadline counts from when the renewal was sent: the servers' TTL started no earlier.
                var remaining = Options.RenewDeadline - Time.GetElapsedTime(started);
                session.Deadline?.Change(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
                failures = 0;
                if (!session.MemberHeld)
                {
                    await AcquireMemberAsync(session, linked.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
            }
            catch (RegistryException ex)
            {
                Failed("renewing the session", ex, ++failures);
            }
        }
    }

    private async Task AcquireMemberAsync(ConsulSession session, CancellationToken cancellationToken)
    {
        try
        {
            // False while an earlier session of the same identity still holds it; tried again at each renewal.
            session.MemberHeld = await Client.LockKeyAsync(MemberKey, session.Id, Identity, acquire: true, cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryException ex)
        {
            Failed("registering the replica", ex, 1);
        }
    }

    /// <summary>The session ends here: leadership under it ends, and a new one is waited for.</summary>
    private void Retire(ConsulSession session)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_current, session))
            {
                _current = null;
            }

            if (_session.Task.IsCompletedSuccessfully && ReferenceEquals(_session.Task.Result, session))
            {
                _session = new TaskCompletionSource<ConsulSession>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        session.Dispose();
    }

    private async Task DestroyAsync(ConsulSession session)
    {
        try
        {
            await Client.DestroySessionAsync(session.Id, CancellationToken.None).ConfigureAwait(false);
            Log.SessionDestroyed(Logger, RegistryName, Identity, session.Id);
        }
        catch (RegistryException ex)
        {
            // The servers invalidate it after 2 × TTL on their own.
            Log.Failed(Logger, RegistryName, Identity, "destroying the session", Ttl * 2, ex.Message);
        }
    }

    private void Failed(string what, RegistryException ex, int failures)
    {
        if (failures <= 1)
        {
            Log.Failed(Logger, RegistryName, Identity, what, Options.RetryPeriod, ex.Message);
        }
        else
        {
            Log.FailedAgain(Logger, RegistryName, Identity, what, ex.Message);
        }
    }

    private static async Task<bool> TickAsync(PeriodicTimer ticks, CancellationToken cancellationToken)
    {
        try
        {
            return await ticks.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Waits on the registry's clock; false when cancelled.</summary>
    internal async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, Time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static string Seconds(TimeSpan value) => ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
}
