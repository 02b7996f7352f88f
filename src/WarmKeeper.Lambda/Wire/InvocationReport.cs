using System.Globalization;
using System.Text;

namespace WarmKeeper.Lambda.Wire;

/// <summary>
/// The <c>REPORT</c> line Lambda writes after each invocation:
/// <c>REPORT RequestId: … Duration: 1.23 ms Billed Duration: 2 ms Memory Size: 128 MB Max Memory Used: 35 MB Init Duration: 120.45 ms</c>
/// (tab-separated; <c>Init Duration</c> only on a cold start). The local runtime writes it with
/// <see cref="AppendTo"/> and every client reads it with <see cref="Parse"/>, so the two cannot drift.
/// </summary>
public sealed record InvocationReport(
    string? RequestId,
    TimeSpan Duration,
    TimeSpan BilledDuration,
    int MemorySizeMb,
    int MaxMemoryUsedMb,
    TimeSpan? InitDuration)
{
    /// <summary>True when this invocation started a new execution environment.</summary>
    public bool IsColdStart => InitDuration is not null;

    /// <summary>The report of a run as Lambda bills it: whole milliseconds, rounded up, at least 1.</summary>
    public static InvocationReport Of(string requestId, TimeSpan duration, int memorySizeMb, int maxMemoryUsedMb, TimeSpan? initDuration) =>
        new(requestId, duration, TimeSpan.FromMilliseconds(Math.Max(1L, (long)Math.Ceiling(duration.TotalMilliseconds))),
            memorySizeMb, maxMemoryUsedMb, initDuration);

    /// <summary>
    /// Appends the line exactly as Lambda prints it: <c>REPORT RequestId: id\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 45 MB\t</c>,
    /// plus <c>Init Duration: x ms\t</c> on cold starts and <c>Status: s\t</c> when the run failed (timeout, crash).
    /// </summary>
    public void AppendTo(StringBuilder sb, string? status = null)
    {
        ArgumentNullException.ThrowIfNull(sb);
        var c = CultureInfo.InvariantCulture;
        sb.Append("REPORT RequestId: ").Append(RequestId)
            .Append("\tDuration: ").Append(Duration.TotalMilliseconds.ToString("0.00", c)).Append(" ms")
            .Append("\tBilled Duration: ").Append(((long)BilledDuration.TotalMilliseconds).ToString(c)).Append(" ms")
            .Append("\tMemory Size: ").Append(MemorySizeMb.ToString(c)).Append(" MB")
            .Append("\tMax Memory Used: ").Append(MaxMemoryUsedMb.ToString(c)).Append(" MB\t");
        if (InitDuration is { } init)
        {
            sb.Append("Init Duration: ").Append(init.TotalMilliseconds.ToString("0.00", c)).Append(" ms\t");
        }

        if (status is not null)
        {
            sb.Append("Status: ").Append(status).Append('\t');
        }
    }

    /// <summary>Finds the last <c>REPORT</c> line of a log and parses it; null when there is none or it lacks a duration.</summary>
    public static InvocationReport? Parse(string? log)
    {
        if (string.IsNullOrEmpty(log))
        {
            return null;
        }

        var start = log.LastIndexOf("REPORT RequestId:", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var end = log.IndexOf('\n', start);
        var line = end < 0 ? log.AsSpan(start) : log.AsSpan(start, end - start);

        string? requestId = null;
        TimeSpan? duration = null, billed = null, init = null;
        int memory = 0, maxMemory = 0;

        foreach (var range in line.Split('\t'))
        {
            var field = line[range].Trim();
            var colon = field.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            var key = field[..colon].Trim();
            var value = field[(colon + 1)..].Trim();
            if (key.SequenceEqual("REPORT RequestId"))
            {
                requestId = value.ToString();
            }
            else if (key.SequenceEqual("Duration"))
            {
                duration = ParseMilliseconds(value);
            }
            else if (key.SequenceEqual("Billed Duration"))
            {
                billed = ParseMilliseconds(value);
            }
            else if (key.SequenceEqual("Memory Size"))
            {
                memory = ParseMegabytes(value);
            }
            else if (key.SequenceEqual("Max Memory Used"))
            {
                maxMemory = ParseMegabytes(value);
            }
            else if (key.SequenceEqual("Init Duration"))
            {
                init = ParseMilliseconds(value);
            }
        }

        return duration is null ? null : new InvocationReport(requestId, duration.Value, billed ?? TimeSpan.Zero, memory, maxMemory, init);
    }

    private static TimeSpan? ParseMilliseconds(ReadOnlySpan<char> value)
    {
        value = StripUnit(value, "ms");
        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0
            ? TimeSpan.FromMilliseconds(ms)
            : null;
    }

    private static int ParseMegabytes(ReadOnlySpan<char> value)
    {
        value = StripUnit(value, "MB");
        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var mb) ? mb : 0;
    }

    private static ReadOnlySpan<char> StripUnit(ReadOnlySpan<char> value, string unit)
    {
        value = value.Trim();
        return value.EndsWith(unit, StringComparison.Ordinal) ? value[..^unit.Length].TrimEnd() : value;
    }
}
