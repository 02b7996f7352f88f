using System.Globalization;

namespace WarmKeeper.LocalRuntime.Functions.Process;

/// <summary>A function process's peak memory, for the REPORT line's <c>Max Memory Used</c>.</summary>
internal static class ProcessMemory
{
    /// <summary>
    /// The peak resident set (Linux <c>VmHWM</c> in <c>/proc/{pid}/status</c>) in MB, rounded up as
    /// Lambda reports whole megabytes that hold the peak; null where it cannot be read (other systems,
    /// a process already gone).
    /// </summary>
    public static int? PeakMegabytes(int processId)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            foreach (var line in File.ReadLines("/proc/" + processId.ToString(CultureInfo.InvariantCulture) + "/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return ParseKilobytes(line.AsSpan("VmHWM:".Length)) is long kb ? (int)((kb + 1023) / 1024) : null;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Exited between the check and the read.
        }

        return null;
    }

    /// <summary>The number in a status value such as <c>"   38400 kB"</c>.</summary>
    internal static long? ParseKilobytes(ReadOnlySpan<char> value)
    {
        value = value.Trim();
        if (value.EndsWith("kB", StringComparison.Ordinal))
        {
            value = value[..^2].TrimEnd();
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb : null;
    }
}
