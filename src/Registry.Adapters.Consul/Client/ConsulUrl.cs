using System.Text;

namespace Registry.Adapters.Consul.Client;

/// <summary>Builds a relative request URL; every value is escaped. Never used for the token.</summary>
internal sealed class ConsulUrl
{
    private readonly StringBuilder _builder;
    private bool _hasQuery;

    public ConsulUrl(string path)
    {
        _builder = new StringBuilder(path);
        _hasQuery = path.Contains('?', StringComparison.Ordinal);
    }

    /// <summary>Adds <c>key=value</c> when the value is not empty.</summary>
    public ConsulUrl Add(string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            Separator().Append(key).Append('=').Append(Uri.EscapeDataString(value));
        }

        return this;
    }

    /// <summary>Adds a value-less flag (<c>?stale</c>) or <c>key=value</c>.</summary>
    public ConsulUrl Flag(string key, string? value = null)
    {
        Separator().Append(key);
        if (value is not null)
        {
            _builder.Append('=').Append(Uri.EscapeDataString(value));
        }

        return this;
    }

    public override string ToString() => _builder.ToString();

    private StringBuilder Separator()
    {
        _builder.Append(_hasQuery ? '&' : '?');
        _hasQuery = true;
        return _builder;
    }
}
