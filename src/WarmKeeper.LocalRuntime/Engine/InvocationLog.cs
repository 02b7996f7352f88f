using System.Buffers;
using System.Text;
using System.Text.Json;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.LocalRuntime.Engine;

/// <summary>The log of one invocation as Lambda writes it (START, the function's lines, END, REPORT).</summary>
internal static class InvocationLog
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
        InvocationReport.Of(requestId, duration, memoryMb, maxMemoryUsedMb, initDuration).AppendTo(sb, status);
        sb.Append('\n');

        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        var start = Math.Max(0, bytes.Length - TailBytes);
        return Convert.ToBase64String(bytes, start, bytes.Length - start);
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
