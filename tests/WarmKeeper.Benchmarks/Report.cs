using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace WarmKeeper.Benchmarks;

/// <summary>Markdown output: the machine note every figure needs, tables, and number formats.</summary>
internal static class Report
{
    public static async Task MachineNoteAsync(CancellationToken cancellationToken)
    {
        var configuration = typeof(Report).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "?";
        var note = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"# WarmKeeper benchmarks, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC\n\n")
            .Append(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} cores (shared with other builds), load average {LoadAverage()}; ")
            .Append(CultureInfo.InvariantCulture, $"{RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription}; {configuration} build; ")
            .Append(System.Runtime.GCSettings.IsServerGC ? "server GC" : "workstation GC")
            .Append(".\nEvery ratio compares two things measured in the same run, interleaved in rounds.\n");
        if (configuration != "Release")
        {
            note.Append("\n**Warning: not a Release build; run with `-c Release` for figures worth quoting.**\n");
        }

        await Console.Out.WriteLineAsync(note.ToString().AsMemory(), cancellationToken);
    }

    /// <summary>The 1, 5 and 15 minute load averages (Linux), which say how shared the machine was.</summary>
    public static string LoadAverage()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{fields[0]} / {fields[1]} / {fields[2]}";
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    public static async Task TableAsync(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, CancellationToken cancellationToken)
    {
        var table = new StringBuilder();
        table.Append("| ").AppendJoin(" | ", headers).Append(" |\n");
        table.Append('|').AppendJoin('|', headers.Select(_ => "---")).Append("|\n");
        foreach (var row in rows)
        {
            table.Append("| ").AppendJoin(" | ", row).Append(" |\n");
        }

        await Console.Out.WriteLineAsync(table.ToString().AsMemory(), cancellationToken);
    }

    public static Task LineAsync(string text, CancellationToken cancellationToken) =>
        Console.Out.WriteLineAsync(text.AsMemory(), cancellationToken);

    public static string Ms(double milliseconds) => milliseconds.ToString(milliseconds < 10 ? "F3" : milliseconds < 1000 ? "F1" : "F0", CultureInfo.InvariantCulture) + " ms";

    public static string Ratio(double ratio) => ratio.ToString("F2", CultureInfo.InvariantCulture) + "×";

    public static string PerSecond(double rate) => rate.ToString("F0", CultureInfo.InvariantCulture) + "/s";

    public static string Bytes(double bytes) => bytes switch
    {
        >= 1024 * 1024 => (bytes / (1024 * 1024)).ToString("F1", CultureInfo.InvariantCulture) + " MiB",
        >= 1024 => (bytes / 1024).ToString("F1", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString("F0", CultureInfo.InvariantCulture) + " B",
    };

    public static string Number(double value, string format = "F0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Verdict(bool met) => met ? "met" : "**not met**";

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
