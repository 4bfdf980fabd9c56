using System.Globalization;
using Microsoft.Extensions.Options;

namespace Registry.Adapters;

/// <summary>Validates <see cref="MeshOptions"/> on start, with messages that name the setting and the fix.</summary>
internal sealed class MeshOptionsValidator(MeshRegistryPlanner planner) : IValidateOptions<MeshOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, MeshOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var prefix = planner.SettingPrefix;
        var errors = new List<string>(options.BindErrors);
        errors.AddRange(planner.Plan(options).Errors);
        if (options.DropGuardRatio is { } ratio && (double.IsNaN(ratio) || ratio is < 0 or > 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}:DropGuardRatio is {ratio}; set a share between 0 and 1 (0.5 holds back a snapshot that drops more than half of a registry's instances)."));
        }

        if (options.StaleEvictionAfter is { } eviction && eviction <= TimeSpan.Zero)
        {
            errors.Add($"{prefix}:StaleEvictionAfter is {eviction}; set a positive age such as 00:10:00, or remove it to keep stale instances until their registry recovers.");
        }

        if (options.ChangeQuietPeriod < TimeSpan.Zero)
        {
            errors.Add($"{prefix}:ChangeQuietPeriod is {options.ChangeQuietPeriod}; set zero or a positive period such as 00:00:00.100.");
        }

        if (options.ChangeMaxDelay < options.ChangeQuietPeriod)
        {
            errors.Add($"{prefix}:ChangeMaxDelay ({options.ChangeMaxDelay}) is shorter than ChangeQuietPeriod ({options.ChangeQuietPeriod}); set it to at least the quiet period.");
        }

        if (options.InitialSyncTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{prefix}:InitialSyncTimeout is {options.InitialSyncTimeout}; set a positive time such as 00:00:10.");
        }

        if (!Enum.IsDefined(options.DefaultMerge))
        {
            errors.Add($"{prefix}:DefaultMerge is not one of Union, Priority, Failover.");
        }

        foreach (var (alias, target) in options.Aliases)
        {
            if (string.IsNullOrWhiteSpace(alias) || string.IsNullOrWhiteSpace(target))
            {
                errors.Add($"{prefix}:Aliases:{alias} has an empty name or target; map a mesh name to another (\"orders.shop\": \"orders\").");
            }
        }

        foreach (var (pattern, service) in options.Services)
        {
            if (string.IsNullOrWhiteSpace(pattern))
            {
                errors.Add($"{prefix}:Services has an empty key; use a mesh name or a glob such as 'payments-*'.");
            }
            else if (service is null || !Enum.IsDefined(service.Merge))
            {
                errors.Add($"{prefix}:Services:{pattern}:Merge is not one of Union, Priority, Failover.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
