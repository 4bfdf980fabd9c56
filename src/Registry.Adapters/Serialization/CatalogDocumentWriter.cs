namespace Registry.Adapters.Serialization;

/// <summary>How the catalog document spells values when the File registry writes it.</summary>
internal static class CatalogDocumentWriter
{
    /// <summary>The lower-case name of a health status, as the document spells it.</summary>
    /// <param name="health">The health.</param>
    /// <returns>The name.</returns>
    public static string HealthName(HealthStatus health) => health switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Unhealthy => "unhealthy",
        HealthStatus.Starting => "starting",
        HealthStatus.Draining => "draining",
        _ => "unknown",
    };
}
