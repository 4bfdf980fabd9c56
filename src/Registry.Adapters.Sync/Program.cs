using Registry.Adapters.Sync;

return await MeshSyncCli.RunAsync(args, CliEnvironment.FromConsole(), handleSignals: true).ConfigureAwait(false);
