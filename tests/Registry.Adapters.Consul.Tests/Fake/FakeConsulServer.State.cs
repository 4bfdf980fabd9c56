namespace Registry.Adapters.Consul.Tests.Fake;

// The catalog: nodes, services and checks, each write a new raft index. /v1/catalog/services blocks on
// the services table's index; /v1/health/service/:name on the highest index of a write touching that
// service (its entries, their checks, the checks of their nodes), as Consul's per-service indexes do.
public sealed partial class FakeConsulServer
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, FakeNode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Node, string Id), FakeService> _services = [];
    private readonly Dictionary<(string Node, string CheckId), FakeCheck> _checks = [];
    private readonly Dictionary<string, ulong> _serviceIndexes = new(StringComparer.Ordinal);
    private ulong _index = 10;
    private ulong _catalogIndex = 10;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Adds or replaces a service instance on a node (as <c>PUT /v1/catalog/register</c> would), with one service check of <paramref name="checkStatus"/>.</summary>
    public void PutService(string node, string nodeAddress, FakeServiceSpec spec, string checkStatus = "passing")
    {
        lock (_gate)
        {
            var index = NextIndexLocked();
            EnsureNodeLocked(node, nodeAddress, index);
            UpsertServiceLocked(node, spec, index);
            var checkId = "service:" + spec.Id;
            if (!_checks.TryGetValue((node, checkId), out var check))
            {
                check = new FakeCheck { Node = node, CheckId = checkId, Name = $"Service '{spec.Name}' check", ServiceId = spec.Id, ServiceName = spec.Name, Type = "http", CreateIndex = index };
                _checks[(node, checkId)] = check;
            }

            check.Status = checkStatus;
            check.ModifyIndex = index;
            CommitLocked(index, catalog: true, spec.Name);
        }
    }

    /// <summary>Removes a service instance and its checks.</summary>
    public bool RemoveService(string node, string id)
    {
        lock (_gate)
        {
            return RemoveServiceLocked(node, id);
        }
    }

    private bool RemoveServiceLocked(string node, string id)
    {
        if (!_services.Remove((node, id), out var service))
        {
            return false;
        }

        foreach (var key in _checks.Keys.Where(k => k.Node == node && _checks[k].ServiceId == id).ToList())
        {
            _checks.Remove(key, out var check);
            check?.Dispose();
        }

        CommitLocked(NextIndexLocked(), catalog: true, service.Spec.Name);
        return true;
    }

    /// <summary>Sets a check's status (a check the agent runs, or an operator's change).</summary>
    public void SetCheckStatus(string node, string checkId, string status, string output = "")
    {
        lock (_gate)
        {
            var check = _checks[(node, checkId)];
            SetStatusLocked(check, status, output);
        }
    }

    /// <summary>Sets the node's <c>serfHealth</c> check (a node that stops gossiping turns critical).</summary>
    public void SetNodeHealth(string node, string status)
    {
        lock (_gate)
        {
            SetStatusLocked(_checks[(node, "serfHealth")], status, status == "passing" ? "Agent alive and reachable" : "Agent not live or unreachable");
        }
    }

    /// <summary>Puts a node in maintenance (<c>_node_maintenance</c>, critical) or takes it out.</summary>
    public void SetNodeMaintenance(string node, bool enable, string reason = "")
    {
        lock (_gate)
        {
            var index = NextIndexLocked();
            if (enable)
            {
                _checks[(node, "_node_maintenance")] = new FakeCheck
                {
                    Node = node, CheckId = "_node_maintenance", Name = "Node Maintenance Mode", Notes = reason, Status = "critical", CreateIndex = index, ModifyIndex = index,
                };
            }
            else
            {
                _checks.Remove((node, "_node_maintenance"));
            }

            CommitLocked(index, catalog: false, ServicesOnLocked(node));
        }
    }

    /// <summary>A write that changes nothing a reader sees but bumps the service's index (index churn).</summary>
    public void Touch(string service)
    {
        lock (_gate)
        {
            CommitLocked(NextIndexLocked(), catalog: true, service);
        }
    }

    /// <summary>A snapshot restore: every index drops to <paramref name="index"/>; data is kept; held queries wake.</summary>
    public void ResetIndex(ulong index = 2)
    {
        lock (_gate)
        {
            _index = index;
            _catalogIndex = index;
            foreach (var name in _serviceIndexes.Keys.ToList())
            {
                _serviceIndexes[name] = index;
            }

            SignalLocked();
        }
    }

    /// <summary>The agent forgets its registrations (an agent restarted without its data dir).</summary>
    public void ForgetAgentServices()
    {
        lock (_gate)
        {
            var names = _services.Where(p => p.Key.Node == AgentNode).Select(p => p.Value.Spec.Name).ToArray();
            foreach (var key in _services.Keys.Where(k => k.Node == AgentNode).ToList())
            {
                _services.Remove(key);
            }

            foreach (var key in _checks.Keys.Where(k => k.Node == AgentNode && k.CheckId != "serfHealth").ToList())
            {
                _checks.Remove(key, out var check);
                check?.Dispose();
            }

            CommitLocked(NextIndexLocked(), catalog: true, names);
        }
    }

    /// <summary>A check's status and output, or <see langword="null"/> when it does not exist.</summary>
    public (string Status, string Output)? GetCheck(string node, string checkId)
    {
        lock (_gate)
        {
            return _checks.TryGetValue((node, checkId), out var check) ? (check.Status, check.Output) : null;
        }
    }

    /// <summary>A check's TTL and DeregisterCriticalServiceAfter, as registered.</summary>
    public (TimeSpan? Ttl, TimeSpan? DeregisterCriticalServiceAfter, string Type)? GetCheckDefinition(string node, string checkId)
    {
        lock (_gate)
        {
            return _checks.TryGetValue((node, checkId), out var check) ? (check.Ttl, check.DeregisterCriticalServiceAfter, check.Type) : null;
        }
    }

    /// <summary>The ids of the services registered on the agent node.</summary>
    public IReadOnlyList<string> AgentServiceIds()
    {
        lock (_gate)
        {
            return [.. _services.Keys.Where(k => k.Node == AgentNode).Select(k => k.Id).Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>The registration body the agent holds for a service, as registered.</summary>
    public FakeServiceSpec? GetAgentService(string id)
    {
        lock (_gate)
        {
            return _services.TryGetValue((AgentNode, id), out var service) ? service.Spec : null;
        }
    }

    private ulong CurrentIndex()
    {
        lock (_gate)
        {
            return _index;
        }
    }

    private ulong NextIndex()
    {
        lock (_gate)
        {
            return NextIndexLocked();
        }
    }

    private ulong NextIndexLocked() => ++_index;

    private void EnsureNodeLocked(string node, string address, ulong index)
    {
        if (_nodes.ContainsKey(node))
        {
            return;
        }

        _nodes[node] = new FakeNode(node, address, Guid.NewGuid().ToString(), index);
        _checks[(node, "serfHealth")] = new FakeCheck
        {
            Node = node, CheckId = "serfHealth", Name = "Serf Health Status", Status = "passing", Output = "Agent alive and reachable", CreateIndex = index, ModifyIndex = index,
        };
    }

    private void UpsertServiceLocked(string node, FakeServiceSpec spec, ulong index)
    {
        if (_services.TryGetValue((node, spec.Id), out var existing))
        {
            if (!string.Equals(existing.Spec.Name, spec.Name, StringComparison.Ordinal))
            {
                RecordLocked(_serviceIndexes, existing.Spec.Name);
                _serviceIndexes[existing.Spec.Name] = index;
            }

            RecordLocked(existing);
            existing.Spec = spec;
            existing.ModifyIndex = index;
        }
        else
        {
            RecordLocked(_services, (node, spec.Id));
            _services[(node, spec.Id)] = new FakeService { Spec = spec, CreateIndex = index, ModifyIndex = index };
        }
    }

    private void SetStatusLocked(FakeCheck check, string status, string output)
    {
        var changed = check.Status != status || check.Output != output;
        check.Status = status;
        check.Output = output;
        if (!changed)
        {
            // Consul skips the raft write when nothing changed (CheckUpdate with equal status and output).
            return;
        }

        var index = NextIndexLocked();
        check.ModifyIndex = index;
        ArmReaperLocked(check);
        if (status == "critical")
        {
            InvalidateSessionsOfCheckLocked(check.Node, check.CheckId);
        }

        CommitLocked(index, catalog: false, check.ServiceName is { Length: > 0 } name ? [name] : ServicesOnLocked(check.Node));
    }

    private string[] ServicesOnLocked(string node) => [.. _services.Where(p => p.Key.Node == node).Select(p => p.Value.Spec.Name).Distinct(StringComparer.Ordinal)];

    private void CommitLocked(ulong index, bool catalog, params string[] services)
    {
        if (catalog)
        {
            _catalogIndex = index;
        }

        foreach (var name in services)
        {
            _serviceIndexes[name] = index;
        }

        SignalLocked();
    }

    private void SignalLocked()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }
}
