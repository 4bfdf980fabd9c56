using System.Runtime.InteropServices;
using Registry.Adapters.Sync;

// Ctrl+C (SIGINT) and SIGTERM stop a running command, which then exits normally (watch exits 0).
using var interrupt = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    interrupt.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
return await MeshSyncCli.RunAsync(args, CliEnvironment.FromConsole(), interrupt.Token).ConfigureAwait(false);
