using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace Registry.Adapters.Kubernetes.Tests;

/// <summary>One open watch of the fake: its filter and the lines waiting to be written.</summary>
internal sealed class WatchStream(HttpContext context, string resource, string? ns, LabelSelector selector, bool bookmarks)
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public string Resource => resource;

    public bool Bookmarks => bookmarks;

    public ChannelReader<string> Lines => _lines.Reader;

    /// <summary>Queues a change if it concerns this watch; a label change in or out of the selector is ADDED or DELETED, as the server does.</summary>
    public void Offer(HistoryEvent change)
    {
        if (!string.Equals(change.Resource, resource, StringComparison.Ordinal))
        {
            return;
        }

        var now = FakeKubeApiServer.Matches(change.Item, ns, selector);
        var before = change.Previous is not null && FakeKubeApiServer.Matches(change.Previous, ns, selector);
        var type = change.Type switch
        {
            "DELETED" => before ? "DELETED" : null,
            "ADDED" => now ? "ADDED" : null,
            _ when now && before => "MODIFIED",
            _ when now => "ADDED",
            _ when before => "DELETED",
            _ => null,
        };
        if (type is not null)
        {
            Send(new JsonObject { ["type"] = type, ["object"] = change.Item.DeepClone() }.ToJsonString());
        }
    }

    public void Send(string line) => _lines.Writer.TryWrite(line);

    public void Close() => _lines.Writer.TryComplete();

    public void Abort()
    {
        _lines.Writer.TryComplete();
        try
        {
            context.Abort();
        }
        catch (ObjectDisposedException)
        {
            // The request already ended.
        }
    }
}
