using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace WarmKeeper.LocalRuntime.Engine;

/// <summary>The log of one invocation as Lambda writes it (START, the function's lines, END, REPORT).</summary>
internal static class InvocationReport
{
    public const int TailBytes = 4096;

    public static string BuildTail(
        string requestId,
        string version,
        string? functionLog,
        string? extraLine,
        TimeSpan duration,
        int memoryMb,
        int maxMemoryUsedMb,
        TimeSpan? initDuration,
        string? status)
    {
        var sb = new StringBuilder(256 + (functionLog?.Length ?? 0));
        sb.Append("START RequestId: ").Append(requestId).Append(" Version: ").Append(version).Append('\n');
        if (!string.IsNullOrEmpty(functionLog))
        {
            sb.Append(functionLog);
            if (functionLog[^1] != '\n')
            {
                sb.Append('\n');
            }
        }

        if (extraLine is not null)
        {
            sb.Append(extraLine).Append('\n');
        }

        sb.Append("END RequestId: ").Append(requestId).Append('\n');
        AppendReport(sb, requestId, duration, memoryMb, maxMemoryUsedMb, initDuration, status);
        sb.Append('\n');

        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        var start = Math.Max(0, bytes.Length - TailBytes);
        return Convert.ToBase64String(bytes, start, bytes.Length - start);
    }

    /// <summary>
    /// <c>REPORT RequestId: id\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 45 MB\t</c>
    /// plus <c>Init Duration: x ms\t</c> on cold starts, exactly as Lambda prints it.
    /// </summary>
    public static void AppendReport(StringBuilder sb, string requestId, TimeSpan duration, int memoryMb, int maxMemoryUsedMb, TimeSpan? initDuration, string? status)
    {
        var ms = duration.TotalMilliseconds;
        var billed = Math.Max(1L, (long)Math.Ceiling(ms));
        var c = CultureInfo.InvariantCulture;
        sb.Append("REPORT RequestId: ").Append(requestId)
            .Append("\tDuration: ").Append(ms.ToString("0.00", c)).Append(" ms")
            .Append("\tBilled Duration: ").Append(billed.ToString(c)).Append(" ms")
            .Append("\tMemory Size: ").Append(memoryMb.ToString(c)).Append(" MB")
            .Append("\tMax Memory Used: ").Append(maxMemoryUsedMb.ToString(c)).Append(" MB\t");
        if (initDuration is { } init)
        {
            sb.Append("Init Duration: ").Append(init.TotalMilliseconds.ToString("0.00", c)).Append(" ms\t");
        }

        if (status is not null)
        {
            sb.Append("Status: ").Append(status).Append('\t');
        }
    }

    /// <summary>The function error document Lambda returns: <c>{"errorType":…,"errorMessage":…}</c>.</summary>
    public static byte[] ErrorDocument(string errorType, string errorMessage)
    {
        var buffer = new ArrayBufferWriter<byte>(128 + errorMessage.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("errorType"u8, errorType);
            writer.WriteString("errorMessage"u8, errorMessage);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Max Memory Used is not measured per environment; this keeps it plausible and below Memory Size.</summary>
    public static int EstimateMaxMemoryUsedMb(int memoryMb, int payloadBytes) =>
        Math.Min(memoryMb, 38 + (payloadBytes >> 20));
}
