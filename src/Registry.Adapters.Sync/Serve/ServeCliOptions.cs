using System.CommandLine;

namespace Registry.Adapters.Sync.Serve;

/// <summary>The options of <c>serve</c>, also added to <c>sync</c> for <c>--listen</c>: address, token, limits.</summary>
internal sealed class ServeCliOptions
{
    /// <summary>Creates the options; <paramref name="listenDefault"/> is the default of <c>--listen</c> (<see langword="null"/> for none, as <c>sync</c> serves only when asked).</summary>
    public ServeCliOptions(string? listenDefault = ServeSettings.DefaultListen)
    {
        Listen = new Option<string?>("--listen")
        {
            Description = listenDefault is null
                ? "Also serve the catalog over HTTP on HOST:PORT (as 'mesh-sync serve' does). Only loopback without --token-file."
                : $"Where to serve, HOST:PORT. The default is {listenDefault}; any non-loopback address needs --token-file or --insecure-listen.",
            HelpName = "HOST:PORT",
        };
        if (listenDefault is not null)
        {
            Listen.DefaultValueFactory = _ => listenDefault;
        }
    }

    public Option<string?> Listen { get; }

    public Option<string?> TokenFile { get; } = new("--token-file")
    {
        Description = "A file holding the bearer token clients must send (Authorization: Bearer TOKEN) to /v1/* and /metrics.",
        HelpName = "PATH",
    };

    public Option<bool> InsecureListen { get; } = new("--insecure-listen")
    {
        Description = "Allow a non-loopback --listen without a token: anyone who can reach the port reads the catalog.",
    };

    public Option<int> MaxSseClients { get; } = new("--max-sse-clients")
    {
        Description = "The most /v1/watch clients at once; more get 503. The default is 256.",
        HelpName = "N",
        DefaultValueFactory = static _ => 256,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Listen);
        command.Options.Add(TokenFile);
        command.Options.Add(InsecureListen);
        command.Options.Add(MaxSseClients);
    }

    /// <summary>The settings the options give, or <see langword="null"/> when <c>--listen</c> is absent and has no default.</summary>
    /// <exception cref="CliUsageException">An option is invalid, or a non-loopback address has neither a token nor --insecure-listen.</exception>
    public ServeSettings? GetSettings(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.GetValue(Listen) is not { } text)
        {
            return null;
        }

        ListenAddress listen;
        try
        {
            listen = ListenAddress.Parse(text);
        }
        catch (FormatException ex)
        {
            throw new CliUsageException($"--listen: {ex.Message}", ex);
        }

        var maxClients = result.GetValue(MaxSseClients);
        if (maxClients < 1)
        {
            throw new CliUsageException($"--max-sse-clients: {maxClients} is not a positive number.");
        }

        var token = result.GetValue(TokenFile) is { } path ? ReadToken(path) : null;
        if (!listen.IsLoopback && token is null && !result.GetValue(InsecureListen))
        {
            throw new CliUsageException(
                $"--listen: {listen} is not a loopback address, so the catalog would be open to the network. Give --token-file PATH (a bearer token clients must send), or --insecure-listen to serve it unauthenticated.");
        }

        return new ServeSettings { Listen = listen, Token = token, MaxSseClients = maxClients };
    }

    private static string ReadToken(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliUsageException($"--token-file: cannot read '{path}': {ex.Message}", ex);
        }

        var token = text.Trim();
        if (token.Length == 0)
        {
            throw new CliUsageException($"--token-file: '{path}' is empty; write the bearer token into it.");
        }

        if (token.Any(static c => char.IsControl(c) || c == ' '))
        {
            throw new CliUsageException($"--token-file: '{path}' must hold one token on one line, without spaces.");
        }

        return token;
    }
}
