namespace Registry.Adapters.Packaging.Tests;

internal static class ToolPackage
{
    public const string Id = "Registry.Adapters.Sync";

    public const string Command = "mesh-sync";
}
