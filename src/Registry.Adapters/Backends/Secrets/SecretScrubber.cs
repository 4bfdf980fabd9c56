using System.Text;
using System.Text.RegularExpressions;

namespace Registry.Adapters.Backends;

/// <summary>
/// The one place that knows every secret the process holds — tokens, passwords, basic-auth user info, the contents of
/// key files — and removes them from any text before it is logged, stored as a registry's error, or printed. Backends
/// <see cref="Register(string?)"/> a secret as soon as they read it (from options, the environment, a kubeconfig or a
/// file), and pass every message taken from a server through <see cref="Scrub(string?)"/>: a server or proxy that quotes
/// the credential back (a 401 body echoing the bearer token) then shows <c>***</c>.
/// </summary>
/// <remarks>
/// Besides the registered values, <see cref="Scrub(string?)"/> removes URL user info (<c>https://user:pass@host</c>
/// becomes <c>https://***@host</c>) and the value after <c>Bearer</c> or <c>Basic</c>, so a secret that was never
/// registered (a token minted by an exec plugin) is still caught in its usual shapes. Values shorter than
/// <see cref="MinimumLength"/> characters are not registered (they would scrub ordinary words). The set is process-wide
/// and keeps the most recent <see cref="Capacity"/> secrets (rotating tokens do not grow it without bound). Thread-safe.
/// </remarks>
public static partial class SecretScrubber
{
    /// <summary>The shortest value that is registered: 4 characters.</summary>
    public const int MinimumLength = 4;

    /// <summary>How many secrets are remembered: 512.</summary>
    public const int Capacity = 512;

    /// <summary>What a secret is replaced with.</summary>
    public const string Mask = "***";

    private static readonly Lock Gate = new();
    private static readonly LinkedList<string> Order = new();
    private static readonly HashSet<string> Known = new(StringComparer.Ordinal);
    private static string[] _snapshot = [];

    /// <summary>The number of secrets currently known.</summary>
    public static int Count => Volatile.Read(ref _snapshot).Length;

    /// <summary>Remembers a secret (a token, a password); <see langword="null"/>, blank and too-short values are ignored.</summary>
    /// <param name="secret">The secret.</param>
    public static void Register(string? secret)
    {
        if (string.IsNullOrWhiteSpace(secret))
        {
            return;
        }

        var trimmed = secret.Trim();
        lock (Gate)
        {
            Add(trimmed);
            if (!ReferenceEquals(trimmed, secret) && !string.Equals(trimmed, secret, StringComparison.Ordinal))
            {
                Add(secret);
            }

            Publish();
        }
    }

    /// <summary>
    /// Remembers basic-auth credentials: the user name and password (each on its own), <c>user:password</c>, and its
    /// Base64 form as sent in an <c>Authorization: Basic</c> header.
    /// </summary>
    /// <param name="userName">The user name, or <see langword="null"/>.</param>
    /// <param name="password">The password, or <see langword="null"/>.</param>
    public static void RegisterBasicAuth(string? userName, string? password)
    {
        Register(password);
        if (string.IsNullOrEmpty(password))
        {
            return;
        }

        var pair = $"{userName}:{password}";
        Register(pair);
        Register(Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
    }

    /// <summary>Remembers the user info of a URL (<c>user:password@</c>), raw and unescaped, and its Basic form.</summary>
    /// <param name="uri">The URL, or <see langword="null"/>.</param>
    public static void RegisterUserInfo(Uri? uri)
    {
        if (uri is null || !uri.IsAbsoluteUri || string.IsNullOrEmpty(uri.UserInfo))
        {
            return;
        }

        var raw = uri.UserInfo;
        var colon = raw.IndexOf(':', StringComparison.Ordinal);
        var user = Uri.UnescapeDataString(colon < 0 ? raw : raw[..colon]);
        var password = colon < 0 ? null : Uri.UnescapeDataString(raw[(colon + 1)..]);
        Register(raw);
        RegisterBasicAuth(user, password);
        if (password is not null && colon >= 0)
        {
            Register(raw[(colon + 1)..]);
        }
    }

    /// <summary>
    /// Remembers the contents of a secret file (a token file, a client key): the whole text and each of its lines long
    /// enough to matter (a PEM key's Base64 lines). A file that cannot be read is ignored (the caller reports that).
    /// </summary>
    /// <param name="path">The file, or <see langword="null"/>.</param>
    public static void RegisterFileContents(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return;
        }

        RegisterText(text);
    }

    /// <summary>Remembers a secret text read elsewhere (a key's PEM, a token file's content): the whole text and each long line.</summary>
    /// <param name="text">The text, or <see langword="null"/>.</param>
    public static void RegisterText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        Register(text);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.Length >= 16 && !line.StartsWith("-----", StringComparison.Ordinal))
            {
                Register(line);
            }
        }
    }

    /// <summary>Returns <paramref name="text"/> with every known secret, URL user info and bearer/basic credential replaced by <see cref="Mask"/>.</summary>
    /// <param name="text">Text from a server, an exception or a log message.</param>
    /// <returns>The scrubbed text; <see langword="null"/> for <see langword="null"/>.</returns>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    public static string? Scrub(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        var result = text;
        foreach (var secret in Volatile.Read(ref _snapshot))
        {
            if (result.Contains(secret, StringComparison.Ordinal))
            {
                result = result.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }

        result = UserInfo().Replace(result, "${scheme}" + Mask + "@");
        return Credential().Replace(result, "${scheme}" + Mask);
    }

    /// <summary>
    /// Scrubs server text, then makes it printable and bounds it to <paramref name="maxLength"/> characters. Scrubbing comes
    /// first: a secret that the bound cuts in two would no longer match, and its first half would be shown.
    /// </summary>
    /// <param name="text">Text from a server (a status message, a reason phrase, a body).</param>
    /// <param name="maxLength">The most characters kept.</param>
    /// <returns>The scrubbed, printable, bounded text (<c>(null)</c> for <see langword="null"/>).</returns>
    public static string ScrubPrintable(string? text, int maxLength) =>
        ServiceInstanceValidator.Printable(Scrub(text), maxLength);

    /// <summary>Forgets every secret (tests).</summary>
    internal static void Clear()
    {
        lock (Gate)
        {
            Order.Clear();
            Known.Clear();
            Publish();
        }
    }

    private static void Add(string secret)
    {
        if (secret.Length < MinimumLength || string.Equals(secret, Mask, StringComparison.Ordinal))
        {
            return;
        }

        if (!Known.Add(secret))
        {
            Order.Remove(secret);
            Order.AddFirst(secret);
            return;
        }

        Order.AddFirst(secret);
        while (Order.Count > Capacity)
        {
            Known.Remove(Order.Last!.Value);
            Order.RemoveLast();
        }
    }

    private static void Publish() =>
        Volatile.Write(ref _snapshot, [.. Order.OrderByDescending(static s => s.Length)]);

    [GeneratedRegex(@"(?<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)[^/\s]*@(?=[^/@\s]*(?:[/:\s]|$))", RegexOptions.CultureInvariant)]
    private static partial Regex UserInfo();

    [GeneratedRegex(@"(?<scheme>\b(?:[Bb]earer|[Bb]asic)\s+)[A-Za-z0-9\-._~+/]{8,}=*", RegexOptions.CultureInvariant)]
    private static partial Regex Credential();
}
