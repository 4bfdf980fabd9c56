using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Registry.Adapters.Consul.Tests.Fake;

// The agent API: registration (checks start critical unless Status is given), TTL updates that reset the
// TTL clock, TTL expiry on Time, DeregisterCriticalServiceAfter, maintenance mode, deregistration (PUT).
public sealed partial class FakeConsulServer
{
    private async Task AgentAsync(HttpContext context, string method, string path)
    {
        if (method == "GET" && Rest(path, "/v1/agent/service/") is { } getId)
        {
            await GetAgentServiceAsync(context, getId);
            return;
        }

        if (method != "PUT")
        {
            await WriteTextAsync(context, 405, $"method {method} not allowed");
            return;
        }

        if (path == "/v1/agent/service/register")
        {
            await RegisterAsync(context);
        }
        else if (Rest(path, "/v1/agent/service/deregister/") is { } deregisterId)
        {
            lock (_gate)
            {
                RemoveServiceLocked(AgentNode, deregisterId);
            }
        }
        else if (Rest(path, "/v1/agent/service/maintenance/") is { } maintenanceId)
        {
            await MaintenanceAsync(context, maintenanceId);
        }
        else if (Regex.Match(path, "^/v1/agent/check/(pass|warn|fail|update)/(.+)$") is { Success: true } match)
        {
            await UpdateCheckAsync(context, match.Groups[1].Value, match.Groups[2].Value);
        }
        else
        {
            context.Response.StatusCode = 404;
        }
    }

    private async Task GetAgentServiceAsync(HttpContext context, string id)
    {
        FakeServiceSpec? spec;
        lock (_gate)
        {
            spec = _services.TryGetValue((AgentNode, id), out var service) ? service.Spec : null;
        }

        if (spec is null)
        {
            await WriteTextAsync(context, 404, $"unknown service ID: {id}");
            return;
        }

        var hash = spec.GetHashCode().ToString("x8", CultureInfo.InvariantCulture);
        context.Response.Headers["X-Consul-ContentHash"] = hash;
        await WriteJsonAsync(context, new { ID = spec.Id, Service = spec.Name, spec.Tags, spec.Meta, spec.Port, spec.Address, Weights = new { Passing = spec.PassingWeight, Warning = spec.WarningWeight }, EnableTagOverride = false, ContentHash = hash }, index: null);
    }

    private async Task RegisterAsync(HttpContext context)
    {
        JsonElement body;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body);
            body = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            await WriteTextAsync(context, 400, "Request decode failed: " + ex.Message);
            return;
        }

        var name = Str(body, "Name");
        if (string.IsNullOrEmpty(name))
        {
            await WriteTextAsync(context, 400, "Missing service name");
            return;
        }

        var id = Str(body, "ID") is { Length: > 0 } given ? given : name;
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Prop(body, "Meta") is { ValueKind: JsonValueKind.Object } metaElement)
        {
            foreach (var entry in metaElement.EnumerateObject())
            {
                if (!Regex.IsMatch(entry.Name, "^[A-Za-z0-9_-]+$"))
                {
                    await WriteTextAsync(context, 400, "Invalid Service Meta: Key contains invalid characters");
                    return;
                }

                meta[entry.Name] = entry.Value.GetString() ?? string.Empty;
            }
        }

        var spec = new FakeServiceSpec(id, name)
        {
            Address = Str(body, "Address") ?? string.Empty,
            Port = Prop(body, "Port") is { ValueKind: JsonValueKind.Number } port ? port.GetInt64() : 0,
            Tags = Prop(body, "Tags") is { ValueKind: JsonValueKind.Array } tags ? [.. tags.EnumerateArray().Select(t => t.GetString() ?? string.Empty)] : [],
            Meta = meta,
        };

        var definitions = new List<JsonElement>();
        if (Prop(body, "Check") is { ValueKind: JsonValueKind.Object } single)
        {
            definitions.Add(single);
        }

        if (Prop(body, "Checks") is { ValueKind: JsonValueKind.Array } many)
        {
            definitions.AddRange(many.EnumerateArray());
        }

        var checks = new List<FakeCheck>();
        for (var i = 0; i < definitions.Count; i++)
        {
            var definition = definitions[i];
            var ttl = Str(definition, "TTL") is { } ttlText && TryParseGoDuration(ttlText, out var parsedTtl) ? parsedTtl : (TimeSpan?)null;
            var http = Str(definition, "HTTP");
            if (ttl is null && (http is null || Str(definition, "Interval") is null))
            {
                await WriteTextAsync(context, 400, "Invalid check: TTL must be > 0 for TTL checks, or HTTP and Interval must be set");
                return;
            }

            var reap = Str(definition, "DeregisterCriticalServiceAfter") is { } reapText && TryParseGoDuration(reapText, out var parsedReap) ? parsedReap : (TimeSpan?)null;
            checks.Add(new FakeCheck
            {
                Node = AgentNode,
                CheckId = Str(definition, "CheckID") ?? (definitions.Count == 1 ? $"service:{id}" : $"service:{id}:{i + 1}"),
                Name = Str(definition, "Name") ?? $"Service '{name}' check",
                Status = Str(definition, "Status") ?? "critical",
                ServiceId = id,
                ServiceName = name,
                Type = ttl is not null ? "ttl" : "http",
                Ttl = ttl,
                DeregisterCriticalServiceAfter = reap,
            });
        }

        lock (_gate)
        {
            var index = NextIndexLocked();
            EnsureNodeLocked(AgentNode, "127.0.0.1", index);
            UpsertServiceLocked(AgentNode, spec, index);
            foreach (var key in _checks.Keys.Where(k => k.Node == AgentNode && _checks[k].ServiceId == id && !k.CheckId.StartsWith("_service_maintenance:", StringComparison.Ordinal)).ToList())
            {
                _checks.Remove(key, out var old);
                old?.Dispose();
            }

            foreach (var check in checks)
            {
                check.ModifyIndex = index;
                _checks[(AgentNode, check.CheckId)] = check;
                ArmTtlLocked(check);
                ArmReaperLocked(check);
            }

            CommitLocked(index, catalog: true, name);
        }
    }

    private async Task UpdateCheckAsync(HttpContext context, string verb, string checkId)
    {
        var status = verb switch { "pass" => "passing", "warn" => "warning", "fail" => "critical", _ => null };
        var output = context.Request.Query["note"].FirstOrDefault() ?? string.Empty;
        if (status is null)
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body);
            status = Str(document.RootElement, "Status");
            output = Str(document.RootElement, "Output") ?? string.Empty;
            if (status is not ("passing" or "warning" or "critical"))
            {
                await WriteTextAsync(context, 400, "Invalid check status: \"" + status + "\"");
                return;
            }
        }

        lock (_gate)
        {
            if (_checks.TryGetValue((AgentNode, checkId), out var check) && check.Ttl is not null)
            {
                SetStatusLocked(check, status, output);
                ArmTtlLocked(check);
                return;
            }
        }

        if (LegacyCheckErrors)
        {
            await WriteTextAsync(context, 500, $"CheckID \"{checkId}\" does not have associated TTL");
        }
        else
        {
            await WriteTextAsync(context, 404, $"Unknown check ID \"{checkId}\". Ensure that the check ID is passed, not the check name.");
        }
    }

    private async Task MaintenanceAsync(HttpContext context, string serviceId)
    {
        var enableText = context.Request.Query["enable"].FirstOrDefault();
        if (string.IsNullOrEmpty(enableText))
        {
            await WriteTextAsync(context, 400, "Missing value for enable");
            return;
        }

        if (!bool.TryParse(enableText, out var enable))
        {
            await WriteTextAsync(context, 400, $"Invalid value for enable: \"{enableText}\"");
            return;
        }

        var reason = context.Request.Query["reason"].FirstOrDefault();
        lock (_gate)
        {
            if (_services.TryGetValue((AgentNode, serviceId), out var service))
            {
                var checkId = "_service_maintenance:" + serviceId;
                var index = NextIndexLocked();
                if (enable)
                {
                    _checks[(AgentNode, checkId)] = new FakeCheck
                    {
                        Node = AgentNode, CheckId = checkId, Name = "Service Maintenance Mode", Status = "critical",
                        Notes = string.IsNullOrEmpty(reason) ? "Maintenance mode is enabled for this service, but no reason was provided. This is a default message." : reason,
                        ServiceId = serviceId, ServiceName = service.Spec.Name, CreateIndex = index, ModifyIndex = index,
                    };
                }
                else
                {
                    _checks.Remove((AgentNode, checkId));
                }

                CommitLocked(index, catalog: false, service.Spec.Name);
                return;
            }
        }

        await WriteTextAsync(context, 404, $"Unknown service ID \"{serviceId}\"");
    }
}
