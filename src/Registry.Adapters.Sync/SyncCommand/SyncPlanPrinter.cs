using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registry.Adapters.Sync;

/// <summary>Prints a sync pass: the plan as JSON (<c>--output json</c>) or text, and one summary line per pass while running.</summary>
internal static class SyncPlanPrinter
{
    private const int MaxListed = 50;

    public static async Task WriteAsync(SyncPassResult pass, SyncOptions options, bool json, CliEnvironment env)
    {
        if (json)
        {
            var document = new SyncPlanDocument
            {
                Revision = pass.Revision,
                SyncId = options.SyncId,
                DryRun = options.DryRun,
                Purge = options.Purge,
                Writes = pass.Writes,
                Requests = pass.Requests,
                Targets = [.. pass.Targets.Select(t => new SyncTargetDocument
                {
                    Target = t.Target,
                    Owned = t.Owned,
                    Desired = t.Desired,
                    Creates = [.. t.Creates.Select(ToDocument)],
                    Updates = [.. t.Updates.Select(ToDocument)],
                    Deletes = [.. t.Deletes.Select(ToDocument)],
                    HeldDeletes = t.HeldDeletes,
                    HeldReason = t.HeldReason,
                    Rejected = [.. t.Rejected.Select(static r => new SyncRejectedDocument { Key = r.Key, Reason = r.Reason })],
                    Error = pass.Errors.TryGetValue(t.Target, out var e) ? Redaction.Redact(e) : null,
                })],
                Errors = pass.Errors.Where(e => pass.Targets.All(t => t.Target != e.Key)).ToDictionary(static e => e.Key, static e => Redaction.Redact(e.Value)),
            };
            await env.Out.WriteLineAsync(JsonSerializer.Serialize(document, SyncJsonContext.Default.SyncPlanDocument)).ConfigureAwait(false);
            return;
        }

        foreach (var target in pass.Targets)
        {
            await env.Out.WriteLineAsync(Line(target, options.DryRun)).ConfigureAwait(false);
            foreach (var (verb, list) in new[] { ("create", target.Creates), ("update", target.Updates), ("delete", target.Deletes) })
            {
                foreach (var op in list.Take(MaxListed))
                {
                    await env.Out.WriteLineAsync($"  {verb} {op.Service}/{op.Id} (from {op.Origin})").ConfigureAwait(false);
                }

                if (list.Count > MaxListed)
                {
                    await env.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  … {list.Count - MaxListed} more to {verb}")).ConfigureAwait(false);
                }
            }

            foreach (var rejected in target.Rejected.Take(MaxListed))
            {
                await env.Out.WriteLineAsync($"  skip {rejected.Key}: {rejected.Reason}").ConfigureAwait(false);
            }
        }

        foreach (var (target, error) in pass.Errors)
        {
            await env.Error.WriteLineAsync($"mesh-sync: {target}: {Redaction.Redact(error)}").ConfigureAwait(false);
        }
    }

    public static void WriteSummary(SyncPassResult pass, CliEnvironment env)
    {
        foreach (var target in pass.Targets.Where(static t => !t.IsEmpty || t.HeldDeletes > 0))
        {
            env.Error.WriteLine($"mesh-sync: {Line(target, dryRun: false)}");
        }

        foreach (var (target, error) in pass.Errors)
        {
            env.Error.WriteLine($"mesh-sync: {target}: {Redaction.Redact(error)}");
        }
    }

    private static string Line(SyncTargetPlan target, bool dryRun)
    {
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"{target.Target}: {(dryRun ? "would write " : "")}{target.Creates.Count} create(s), {target.Updates.Count} update(s), {target.Deletes.Count} delete(s); {target.Owned} owned, {target.Desired} desired");
        if (target.HeldDeletes > 0)
        {
            line += string.Create(CultureInfo.InvariantCulture, $"; {target.HeldDeletes} delete(s) held: {target.HeldReason}");
        }

        return target.Rejected.Count > 0 ? line + string.Create(CultureInfo.InvariantCulture, $"; {target.Rejected.Count} skipped") : line;
    }

    private static SyncOperationDocument ToDocument(SyncOperation op) => new() { Service = op.Service, Id = op.Id, Origin = op.Origin };
}

internal sealed class SyncPlanDocument
{
    public long Revision { get; set; }

    public string SyncId { get; set; } = "";

    public bool DryRun { get; set; }

    public bool Purge { get; set; }

    public int Writes { get; set; }

    public int Requests { get; set; }

    public List<SyncTargetDocument> Targets { get; set; } = [];

    public Dictionary<string, string> Errors { get; set; } = [];
}

internal sealed class SyncTargetDocument
{
    public string Target { get; set; } = "";

    public int Owned { get; set; }

    public int Desired { get; set; }

    public List<SyncOperationDocument> Creates { get; set; } = [];

    public List<SyncOperationDocument> Updates { get; set; } = [];

    public List<SyncOperationDocument> Deletes { get; set; } = [];

    public int HeldDeletes { get; set; }

    public string? HeldReason { get; set; }

    public List<SyncRejectedDocument> Rejected { get; set; } = [];

    public string? Error { get; set; }
}

internal sealed class SyncOperationDocument
{
    public string Service { get; set; } = "";

    public string Id { get; set; } = "";

    public string? Origin { get; set; }
}

internal sealed class SyncRejectedDocument
{
    public string Key { get; set; } = "";

    public string Reason { get; set; } = "";
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SyncPlanDocument))]
internal sealed partial class SyncJsonContext : JsonSerializerContext;
