using System.Globalization;
using System.Text;

namespace Registry.Adapters.Consul;

/// <summary>The record's printing: the generated <c>ToString</c> would print the ACL token, so the members are written by hand.</summary>
internal sealed partial record ConsulSettings
{
    /// <summary>Prints the settings for debugging; the token is never printed, only whether one is set.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Address = ").Append(DisplayAddress)
            .Append(", Token = ").Append(Token is null ? "(none)" : "***")
            .Append(", TokenFile = ").Append(TokenFile ?? "(none)")
            .Append(", Datacenter = ").Append(Datacenter ?? "(agent's)")
            .Append(", Namespace = ").Append(Namespace ?? "(none)")
            .Append(", Partition = ").Append(Partition ?? "(none)")
            .Append(", Wait = ").Append(Wait.ToString("c", CultureInfo.InvariantCulture))
            .Append(", RequestTimeout = ").Append(RequestTimeout.ToString("c", CultureInfo.InvariantCulture))
            .Append(", MaxResponseBytes = ").Append(MaxResponseBytes.ToString(CultureInfo.InvariantCulture))
            .Append(", TxnMaxRequestBytes = ").Append(TxnMaxRequestBytes.ToString(CultureInfo.InvariantCulture));
        return true;
    }
}
