using System.Text.Json;

namespace Registry.Adapters.Consul.Client;

/// <summary>
/// A <c>PUT /v1/txn</c> body assembled from operations serialized once each (<see cref="Of(List{ConsulTxnOp})"/>), so the
/// writer knows every write's size before it cuts the transactions (Consul refuses a body over its
/// <c>limits.txn_max_req_len</c>) and sends the bytes it measured.
/// </summary>
internal sealed class ConsulTxnBody
{
    private readonly List<Elements> _parts = [];

    /// <summary>The operations added so far.</summary>
    public int Count { get; private set; }

    /// <summary>One operation, serialized.</summary>
    public static Elements Of(ConsulTxnOp operation) => Of([operation]);

    /// <summary>Operations, serialized in order.</summary>
    public static Elements Of(List<ConsulTxnOp> operations) =>
        new(JsonSerializer.SerializeToUtf8Bytes(operations, ConsulTxnJsonContext.Default.ListConsulTxnOp), operations.Count);

    /// <summary>Appends serialized operations.</summary>
    public void Add(Elements operations)
    {
        _parts.Add(operations);
        Count += operations.Count;
    }

    /// <summary>The body: one JSON array of every operation added, in order.</summary>
    public byte[] ToArray()
    {
        var parts = _parts.Where(static p => p.Bytes > 0).ToList();
        var body = new byte[2 + parts.Sum(static p => p.Bytes) + Math.Max(0, parts.Count - 1)];
        body[0] = (byte)'[';
        var at = 1;
        foreach (var part in parts)
        {
            if (at > 1)
            {
                body[at++] = (byte)',';
            }

            part.Span.CopyTo(body.AsSpan(at));
            at += part.Bytes;
        }

        body[at] = (byte)']';
        return body;
    }

    /// <summary>Operations serialized as the elements of a JSON array, without its brackets.</summary>
    internal sealed class Elements
    {
        private readonly byte[] _array;

        public Elements(byte[] array, int count)
        {
            _array = array;
            Count = count;
        }

        /// <summary>The number of operations.</summary>
        public int Count { get; }

        /// <summary>Their size in the body, without a separating comma.</summary>
        public int Bytes => _array.Length - 2;

        /// <summary>The elements' bytes.</summary>
        public ReadOnlySpan<byte> Span => _array.AsSpan(1, _array.Length - 2);
    }
}
