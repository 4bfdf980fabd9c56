using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace Registry.Adapters;

/// <summary>One registry the mesh will run: its place in the merge and how to create it.</summary>
internal sealed record PlannedRegistry(
    string Name,
    string Kind,
    int Priority,
    string? NameTemplate,
    double? DropGuardRatio,
    string SettingPath,
    Func<IServiceProvider, IServiceRegistry> Create)
{
    /// <summary>Whether mirrored records of this registry enter the catalog.</summary>
    public bool IncludeMirrored { get; init; }
}

/// <summary>The registries of the mesh, and what is wrong with their settings.</summary>
internal sealed record RegistryPlan(IReadOnlyList<PlannedRegistry> Registries, IReadOnlyList<string> Errors);

/// <summary>
/// Turns <see cref="MeshOptions"/> (configured <c>Registries</c> elements, then registries added in code) into
/// the list of registries to run: default names (the kind, <c>-2</c>, <c>-3</c> on repeats), priorities
/// (position unless set), and the provider of each configured kind.
/// </summary>
internal sealed class MeshRegistryPlanner(IEnumerable<IRegistryProvider> providers, IEnumerable<MeshConfigurationSource> sources)
{
    private readonly IReadOnlyList<IRegistryProvider> _providers = [.. providers];
    private readonly IReadOnlyList<MeshConfigurationSource> _sources = [.. sources];

    /// <summary>The configuration path of the mesh settings, for messages (<c>Mesh</c>).</summary>
    public string SettingPrefix => _sources.Count > 0 && _sources[0].Path.Length > 0 ? _sources[0].Path : "Mesh";

    /// <summary>The known kinds, in the order they were added.</summary>
    public IReadOnlyList<string> KnownKinds => [.. _providers.Select(static p => p.Kind).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>Plans the registries.</summary>
    /// <param name="options">The mesh options.</param>
    /// <returns>The registries in priority order, and the errors.</returns>
    public RegistryPlan Plan(MeshOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var sections = _sources.SelectMany(static s => s.Section.GetSection("Registries").GetChildren()).ToList();
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var element in options.Registries.Where(static r => !string.IsNullOrWhiteSpace(r.Name)))
        {
            taken.Add(element.Name!.Trim());
        }

        foreach (var definition in options.Definitions)
        {
            taken.Add(definition.Name);
        }

        var planned = new List<PlannedRegistry>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Registries.Count; i++)
        {
            var element = options.Registries[i];
            var section = i < sections.Count ? sections[i] : null;
            var path = section?.Path ?? string.Create(CultureInfo.InvariantCulture, $"{SettingPrefix}:Registries:{i}");
            var kind = element.Kind?.Trim();
            if (string.IsNullOrEmpty(kind))
            {
                errors.Add($"{path}:Kind is missing. Set it to one of: {string.Join(", ", KnownKinds)}.");
                continue;
            }

            var provider = _providers.FirstOrDefault(p => string.Equals(p.Kind, kind, StringComparison.OrdinalIgnoreCase));
            if (provider is null)
            {
                errors.Add($"{path}:Kind is '{kind}', which no provider knows. Known kinds: {string.Join(", ", KnownKinds)}. Reference the backend package and call Add{Pascal(kind)}Provider().");
                continue;
            }

            var name = string.IsNullOrWhiteSpace(element.Name) ? DefaultName(provider.Kind, taken) : element.Name.Trim();
            CheckName(name, $"{path}:Name", seen, errors);
            CheckMergeSettings(path, element.NameTemplate, element.DropGuardRatio, errors);
            var registrySection = section ?? new EmptyConfigurationSection(path);
            errors.AddRange(provider.Validate(name, registrySection));
            planned.Add(new PlannedRegistry(
                name,
                provider.Kind,
                element.Priority ?? i,
                element.NameTemplate,
                element.DropGuardRatio,
                path,
                sp => provider.Create(name, registrySection, sp))
            {
                IncludeMirrored = element.IncludeMirrored,
            });
        }

        for (var j = 0; j < options.Definitions.Count; j++)
        {
            var definition = options.Definitions[j];
            var path = definition.SettingPath ?? $"registry '{definition.Name}' (added in code)";
            CheckName(definition.Name, path, seen, errors);
            CheckMergeSettings(path, definition.NameTemplate, definition.DropGuardRatio, errors);
            if (definition.Validate is { } validate)
            {
                errors.AddRange(validate());
            }

            planned.Add(new PlannedRegistry(
                definition.Name,
                definition.Kind,
                definition.Priority ?? options.Registries.Count + j,
                definition.NameTemplate,
                definition.DropGuardRatio,
                path,
                definition.Factory)
            {
                IncludeMirrored = definition.IncludeMirrored,
            });
        }

        return new RegistryPlan([.. planned.OrderBy(static p => p.Priority)], errors);
    }

    /// <summary>Checks a name template: it must use <c>{service}</c>, and only <c>{service}</c> and <c>{namespace}</c>.</summary>
    /// <param name="template">The template.</param>
    /// <returns><see langword="null"/> when valid, else why not.</returns>
    internal static string? ValidateTemplate(string template)
    {
        var rest = template.Replace("{service}", "", StringComparison.OrdinalIgnoreCase)
            .Replace("{namespace}", "", StringComparison.OrdinalIgnoreCase);
        var open = rest.IndexOf('{', StringComparison.Ordinal);
        if (open >= 0)
        {
            var close = rest.IndexOf('}', open);
            var placeholder = close > open ? rest[open..(close + 1)] : rest[open..];
            return $"uses the unknown placeholder '{placeholder}'; use {{service}} and, for Kubernetes, {{namespace}}";
        }

        if (rest.Contains('}', StringComparison.Ordinal))
        {
            return "has a '}' without '{'; use {service} and, for Kubernetes, {namespace}";
        }

        return template.Contains("{service}", StringComparison.OrdinalIgnoreCase)
            ? null
            : "does not contain {service}, so every service would get the same mesh name; add {service} (for example '{service}.cf')";
    }

    private static void CheckMergeSettings(string path, string? template, double? ratio, List<string> errors)
    {
        if (template is not null && ValidateTemplate(template) is { } templateError)
        {
            errors.Add($"{path}:NameTemplate '{template}' {templateError}.");
        }

        if (ratio is { } r && (double.IsNaN(r) || r is < 0 or > 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}:DropGuardRatio is {r}; set a share between 0 and 1 (0.5 holds back a snapshot that drops more than half of the registry's instances)."));
        }
    }

    private static void CheckName(string name, string path, HashSet<string> seen, List<string> errors)
    {
        if (ServiceInstanceValidator.ValidateServiceName(name) is { } nameError)
        {
            errors.Add($"{path} is not a valid registry name: {nameError}. Use letters, digits, '-' and '.'.");
        }
        else if (!seen.Add(name))
        {
            errors.Add($"{path} '{name}' is used by another registry too. Give each registry a unique Name.");
        }
    }

    private static string DefaultName(string kind, HashSet<string> taken)
    {
        var name = kind.ToLowerInvariant();
        for (var n = 2; !taken.Add(name); n++)
        {
            name = string.Create(CultureInfo.InvariantCulture, $"{kind.ToLowerInvariant()}-{n}");
        }

        return name;
    }

    private static string Pascal(string kind) =>
        kind.Length == 0 ? kind : string.Concat(char.ToUpperInvariant(kind[0]).ToString(), kind[1..].ToLowerInvariant());
}
