using System.Text.Json;
using System.Text.RegularExpressions;

namespace Registry.Adapters.Consul.Tests.Fake;

// TTL expiry and the DeregisterCriticalServiceAfter reaper, on Time; and the agent's lenient body reading.
public sealed partial class FakeConsulServer
{
    private void ArmTtlLocked(FakeCheck check)
    {
        if (check.Ttl is not { } ttl)
        {
            return;
        }

        if (check.TtlTimer is null)
        {
            check.TtlTimer = Time.CreateTimer(_ => OnTtlExpired(check), null, ttl, Timeout.InfiniteTimeSpan);
        }
        else
        {
            check.TtlTimer.Change(ttl, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTtlExpired(FakeCheck check)
    {
        lock (_gate)
        {
            if (_checks.TryGetValue((check.Node, check.CheckId), out var live) && ReferenceEquals(live, check))
            {
                SetStatusLocked(check, "critical", "TTL expired (last output before timeout follows): " + check.Output);
            }
        }
    }

    private void ArmReaperLocked(FakeCheck check)
    {
        if (check.DeregisterCriticalServiceAfter is not { } after)
        {
            return;
        }

        if (check.Status != "critical")
        {
            check.Reaper?.Dispose();
            check.Reaper = null;
            return;
        }

        check.Reaper ??= Time.CreateTimer(_ => OnReap(check), null, after, Timeout.InfiniteTimeSpan);
    }

    private void OnReap(FakeCheck check)
    {
        lock (_gate)
        {
            if (_checks.TryGetValue((check.Node, check.CheckId), out var live) && ReferenceEquals(live, check) && check.Status == "critical")
            {
                RemoveServiceLocked(check.Node, check.ServiceId);
            }
        }
    }

    private static JsonElement? Prop(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        // The agent accepts CamelCase and snake_case keys.
        var snake = Regex.Replace(name, "(?<=[a-z])([A-Z])", "_$1").ToLowerInvariant();
        foreach (var property in element.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase) || property.Name.Equals(snake, StringComparison.Ordinal))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static string? Str(JsonElement element, string name) =>
        Prop(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;
}
