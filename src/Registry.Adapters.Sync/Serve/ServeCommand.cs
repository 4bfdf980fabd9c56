using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace Registry.Adapters.Sync.Serve;

/// <summary><c>mesh-sync serve</c>: the catalog over HTTP, the dashboard and /metrics, until interrupted (exits 0).</summary>
internal static class ServeCommand
{
    public static Command Create(CliOptions options, CliEnvironment env)
    {
        var serve = new Command("serve", "Serves the merged catalog over HTTP until interrupted: the dashboard at /, /v1/catalog, /v1/services/NAME, /v1/registries, /v1/watch (Server-Sent Events), /healthz, /readyz, /metrics.");
        options.AddTo(serve);
        var serveOptions = new ServeCliOptions();
        serveOptions.AddTo(serve);
        serve.SetAction((result, token) => MeshSyncCli.GuardAsync(env, ExitCodes.Ok, () => RunAsync(result, options, serveOptions, env, token), token));
        return serve;
    }

    private static async Task<int> RunAsync(ParseResult result, CliOptions options, ServeCliOptions serveOptions, CliEnvironment env, CancellationToken cancellationToken)
    {
        var settings = serveOptions.GetSettings(result)!;
        var (context, session) = await CommandContext.StartAsync(result, options, env, cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            ServeHost host;
            try
            {
                host = await ServeHost.StartAsync(session.Catalog, settings, new StderrLoggerProvider(env.Error, context.Verbose ? LogLevel.Debug : LogLevel.Warning), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new CliUsageException($"--listen: cannot listen on {settings.Listen}: {ex.Message}", ex);
            }

            await using (host.ConfigureAwait(false))
            {
                await env.Error.WriteLineAsync($"mesh-sync: serving {host.Address} (dashboard /, API /v1/catalog, /v1/watch, /metrics){(settings.Token is null ? "" : "; /v1 and /metrics need the bearer token")} (Ctrl+C to stop)").ConfigureAwait(false);
                await env.Error.FlushAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                }
            }
        }

        return ExitCodes.Ok;
    }
}
