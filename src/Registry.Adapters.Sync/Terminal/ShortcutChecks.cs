using System.Globalization;
using k8s;
using k8s.Exceptions;
using Microsoft.Extensions.Configuration;

namespace Registry.Adapters.Sync;

/// <summary>
/// Usage errors of the registry shortcuts, named after the option the user typed: a <c>--file</c> or
/// <c>--kubeconfig</c> that does not exist is exit 2 at once, and a setting of a shortcut's registry is
/// reported as <c>--kubeconfig: …</c> rather than <c>Mesh:Registries:0:KubeconfigPath …</c>.
/// </summary>
internal static class ShortcutChecks
{
    /// <summary>Checks a shortcut's value before any registry starts.</summary>
    /// <param name="shortcut">The shortcut the user typed.</param>
    /// <param name="value">Its value.</param>
    /// <param name="allowMissingFile">Whether a <c>--file</c> may name a file that does not exist yet (a <c>sync</c> target, which the sync creates) when its directory exists.</param>
    /// <exception cref="CliUsageException">A path that does not exist or cannot be used.</exception>
    public static void Check(ShortcutOption shortcut, string? value, bool allowMissingFile = false)
    {
        ArgumentNullException.ThrowIfNull(shortcut);
        if (shortcut.Shortcut.ValueName != "PATH" || string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        var option = shortcut.Shortcut.Option;
        string full;
        try
        {
            full = Path.GetFullPath(value);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CliUsageException($"{option}: '{value}' is not a valid path.", ex);
        }

        if (Directory.Exists(full))
        {
            throw new CliUsageException($"{option}: '{value}' is a directory; give the path of a file.");
        }

        if (!File.Exists(full) && !(allowMissingFile && shortcut.Kind == "file" && Directory.Exists(Path.GetDirectoryName(full))))
        {
            throw new CliUsageException($"{option}: the file '{value}' does not exist.");
        }

        if (shortcut.Kind == "kubernetes")
        {
            CheckKubeconfig(option, value, full);
        }
    }

    /// <summary>Prefixes a shortcut's message with its option, unless the message already starts with it.</summary>
    public static string NameOption(string option, string message) =>
        message.StartsWith(option, StringComparison.Ordinal) ? message : $"{option}: {message}";

    /// <summary>Replaces <c>Mesh:Registries:N</c> of the shortcut registries (the last elements) with the option that added them.</summary>
    /// <param name="message">A validation message.</param>
    /// <param name="mesh">The <c>Mesh</c> section the registries were bound from.</param>
    /// <param name="options">The options of the shortcut registries, in command-line order.</param>
    public static string NameShortcutSettings(string message, IConfigurationSection mesh, IReadOnlyList<string> options)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Count == 0)
        {
            return message;
        }

        var indexes = mesh.GetSection("Registries").GetChildren()
            .Select(static c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : -1)
            .Where(static i => i >= 0)
            .Order()
            .ToList();
        var first = indexes.Count - options.Count;
        for (var k = 0; k < options.Count && first + k >= 0; k++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"Mesh:Registries:{indexes[first + k]}");
            message = message.Replace(key + ":", options[k] + ": ", StringComparison.OrdinalIgnoreCase)
                .Replace(key, options[k], StringComparison.OrdinalIgnoreCase);
        }

        return message;
    }

    private static void CheckKubeconfig(string option, string value, string full)
    {
        try
        {
            _ = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(full));
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
        {
            throw new CliUsageException($"{option}: '{value}' is not a readable kubeconfig file ({ex.GetType().Name}); check it with 'kubectl config view --kubeconfig {value}'.", ex);
        }
    }
}
