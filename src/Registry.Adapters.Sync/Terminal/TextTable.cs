using System.Text;

namespace Registry.Adapters.Sync;

/// <summary>
/// A plain-text table that fits a width: columns two spaces in, three apart, a rule under the header.
/// When the rows are wider than the width, the widest columns give way first (never below their header),
/// and a cell that does not fit is shortened with an ellipsis on one line — never wrapped mid-value.
/// </summary>
internal sealed class TextTable(params string[] headers)
{
    private const string Indent = "  ";
    private const string WideGap = "   ";
    private const string NarrowGap = "  ";
    private readonly List<Cell[]> _rows = [];
    private int[] _soft = new int[headers.Length];

    /// <summary>
    /// How narrow each column may become before any column is cut below it (the header is always a floor):
    /// the columns a reader needs most keep more.
    /// </summary>
    public TextTable KeepAtLeast(params int[] widths)
    {
        ArgumentNullException.ThrowIfNull(widths);
        _soft = widths.Length == headers.Length ? widths : throw new ArgumentException($"Give {headers.Length} widths.", nameof(widths));
        return this;
    }

    /// <summary>Adds a row; a cell is plain text or coloured segments.</summary>
    public void AddRow(params Cell[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"A row needs {headers.Length} cells, not {cells.Length}.", nameof(cells));
        }

        _rows.Add(cells);
    }

    /// <summary>The column widths, and the gap between columns, that fit <paramref name="width"/> characters as far as the headers allow.</summary>
    public (int[] Widths, string Gap) Fit(int width)
    {
        var widths = new int[headers.Length];
        for (var c = 0; c < headers.Length; c++)
        {
            widths[c] = Math.Max(headers[c].Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[c].Length));
        }

        var gap = WideGap;
        if (Indent.Length + widths.Sum() + (gap.Length * (headers.Length - 1)) <= width)
        {
            return (widths, gap);
        }

        gap = NarrowGap;
        var excess = Indent.Length + widths.Sum() + (gap.Length * (headers.Length - 1)) - width;
        var floors = headers.Select(static h => h.Length).ToArray();
        var soft = floors.Zip(_soft, Math.Max).ToArray();
        excess = Shrink(widths, soft, excess);
        Shrink(widths, floors, excess);
        return (widths, gap);
    }

    // Takes one character at a time from the widest column still above its floor.
    private static int Shrink(int[] widths, int[] floors, int excess)
    {
        while (excess > 0)
        {
            var widest = -1;
            for (var c = 0; c < widths.Length; c++)
            {
                if (widths[c] > floors[c] && (widest < 0 || widths[c] > widths[widest]))
                {
                    widest = c;
                }
            }

            if (widest < 0)
            {
                break;
            }

            widths[widest]--;
            excess--;
        }

        return excess;
    }

    /// <summary>Writes the table, at most <paramref name="width"/> characters a line when the headers fit.</summary>
    public void Write(TextWriter writer, int width, bool colour)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var (widths, gap) = Fit(width);
        writer.WriteLine(Line([.. headers.Select(static h => new Cell(h))], widths, gap, colour));
        writer.WriteLine(new string('─', Indent.Length + widths.Sum() + (gap.Length * (widths.Length - 1))));
        foreach (var row in _rows)
        {
            writer.WriteLine(Line(row, widths, gap, colour));
        }
    }

    private static string Line(Cell[] cells, int[] widths, string gap, bool colour)
    {
        var line = new StringBuilder(Indent);
        for (var c = 0; c < cells.Length; c++)
        {
            var last = c == cells.Length - 1;
            var written = cells[c].Write(line, widths[c], colour);
            if (!last)
            {
                line.Append(' ', widths[c] - written).Append(gap);
            }
        }

        return line.ToString().TrimEnd();
    }
}

/// <summary>One table cell: segments of text, each with an optional ANSI colour (SGR code such as <c>32</c> for green).</summary>
internal sealed class Cell
{
    private readonly (string Text, string? Colour)[] _segments;

    public Cell(string text, string? colour = null) => _segments = [(Printable(text), colour)];

    public Cell(params (string Text, string? Colour)[] segments) =>
        _segments = [.. segments.Select(static s => (Printable(s.Text), s.Colour))];

    /// <summary>The visible length.</summary>
    public int Length => _segments.Sum(static s => s.Text.Length);

    public static implicit operator Cell(string text) => new(text);

    /// <summary>Appends at most <paramref name="width"/> visible characters, an ellipsis last when shortened.</summary>
    /// <returns>The visible characters written.</returns>
    public int Write(StringBuilder line, int width, bool colour)
    {
        var room = Length <= width ? width : Math.Max(width - 1, 0);
        var written = 0;
        foreach (var (text, code) in _segments)
        {
            if (written >= room)
            {
                break;
            }

            var part = text.Length <= room - written ? text : text[..(room - written)];
            if (colour && code is not null)
            {
                line.Append("\u001b[").Append(code).Append('m').Append(part).Append("\u001b[0m");
            }
            else
            {
                line.Append(part);
            }

            written += part.Length;
        }

        if (Length > width && width > 0)
        {
            line.Append('…');
            written++;
        }

        return written;
    }

    // A value from a registry never moves the cursor or colours the terminal.
    private static string Printable(string text) =>
        text.Any(char.IsControl) ? new string([.. text.Select(static ch => char.IsControl(ch) ? '?' : ch)]) : text;
}
