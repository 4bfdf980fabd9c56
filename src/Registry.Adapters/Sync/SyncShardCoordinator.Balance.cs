namespace Registry.Adapters.Sync;

/// <summary>Balancing: campaign below the fair share, withdraw at it, step down from a surplus after the settle period.</summary>
public sealed partial class SyncShardCoordinator
{
    private async Task ListReplicasAsync(CancellationToken cancellationToken)
    {
        try
        {
            var listed = await _election.ListReplicasAsync(cancellationToken).ConfigureAwait(false);

            // The contract says sorted, distinct and with this replica; a store that slips must not skew the ranks.
            var identities = listed.Append(_election.Identity).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var view = new ReplicaView(identities.Count, identities.IndexOf(_election.Identity));
            if (view != _view)
            {
                Log.Replicas(_logger, view.Replicas, Shards, view.Rank, FairShareOf(Shards, view.Replicas, view.Rank));
                _view = view;
            }
        }
        catch (Exception ex) when (ex is RegistryException or TimeoutException or HttpRequestException)
        {
            // The candidates keep their own campaigns; the share stays what it was until the store answers.
            Log.ListFailed(_logger, _view.Replicas, ex.Message);
        }
    }

    private async Task BalanceAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var fair = FairShare;
            var leading = LeadingShards;
            if (leading.Count < fair)
            {
                // Below the share: stand in every election this replica does not lead, so each shard has a standby.
                _surplusSince = null;
                for (var shard = 0; shard < Shards; shard++)
                {
                    Campaign(shard);
                }

                return;
            }

            foreach (var shard in CampaigningShards.Where(s => !_candidates[s].IsLeader))
            {
                await WithdrawAsync(shard, cancellationToken).ConfigureAwait(false);
            }

            if (leading.Count == fair)
            {
                _surplusSince = null;
                return;
            }

            // A surplus (a replica joined): hand one shard over per period once it lasted the settle period.
            _surplusSince ??= _time.GetTimestamp();
            if (_time.GetElapsedTime(_surplusSince.Value) >= Settle && (_steppedDown is null || _time.GetElapsedTime(_steppedDown.Value) >= Period))
            {
                var shard = leading[^1];
                Log.SteppingDown(_logger, shard, Shards, leading.Count, fair, _view.Replicas);
                _steppedDown = _time.GetTimestamp();
                await WithdrawAsync(shard, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Campaign(int shard)
    {
        lock (_campaignLock)
        {
            if (_campaigning[shard])
            {
                return;
            }

            _campaigning[shard] = true;
        }

        _candidates[shard].Start();
    }

    private async Task WithdrawAsync(int shard, CancellationToken cancellationToken)
    {
        lock (_campaignLock)
        {
            _campaigning[shard] = false;
        }

        await _candidates[shard].StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops every campaign; a leader releases its elections, so the standbys take over at once.</summary>
    private async Task StepDownAsync()
    {
        // The release is bounded: past the renew deadline the leases expire on their own.
        using var bound = new CancellationTokenSource(_options.LeaderElection.RenewDeadline, _time);
        await Task.WhenAll(Enumerable.Range(0, Shards).Select(async shard =>
        {
            lock (_campaignLock)
            {
                _campaigning[shard] = false;
            }

            try
            {
                await _candidates[shard].StopAsync(bound.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or RegistryException or TimeoutException or HttpRequestException)
            {
                Log.StepDownFailed(_logger, shard, Shards, ex.Message);
            }
        })).ConfigureAwait(false);
    }

    /// <summary>What the last listing of the replicas said: how many, and this replica's place among them.</summary>
    private sealed record ReplicaView(int Replicas, int Rank);
}
