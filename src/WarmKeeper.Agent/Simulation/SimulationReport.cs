using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using WarmKeeper.Core.Simulation;

namespace WarmKeeper.Agent.Simulation;

/// <summary>One row of a simulation report: a (trace, policy, REAP) run, as the CLI and the API print it.</summary>
/// <param name="Trace">The trace's name.</param>
/// <param name="Policy">The policy's name.</param>
/// <param name="ReapMinutes">The platform's idle timeout in the run.</param>
/// <param name="Invocations">User invocations in the trace.</param>
/// <param name="ColdStarts">User-visible cold starts.</param>
/// <param name="Pings">Warm-up pings that ran.</param>
/// <param name="Throttles">User invocations refused for lack of concurrency.</param>
/// <param name="CostUsd">The bill.</param>
public sealed record SimulationRow(
    string Trace,
    string Policy,
    double ReapMinutes,
    long Invocations,
    long ColdStarts,
    long Pings,
    long Throttles,
    double CostUsd)
{
    /// <summary>Cold starts per invocation.</summary>
    [JsonIgnore]
    public double ColdStartRatio => Invocations == 0 ? 0 : ColdStarts / (double)Invocations;

    /// <summary>The row of one result.</summary>
    public static SimulationRow From(SimulationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new SimulationRow(result.Trace, result.Policy, result.ReapMs / 60_000.0, result.Invocations, result.ColdStarts, result.Pings, result.Throttles, Math.Round(result.CostUsd, 6));
    }
}

/// <summary>Prints simulation rows as a table, CSV or JSON.</summary>
public static class SimulationReport
{
    /// <summary>The JSON the CLI and the API write: camelCase, numbers as numbers.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>An aligned text table, one line a run.</summary>
    public static string Table(IReadOnlyList<SimulationRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        string[] header = ["trace", "policy", "reap", "invocations", "cold starts", "cold %", "pings", "throttles", "cost (USD)"];
        var cells = rows.Select(r => new[]
        {
            r.Trace, r.Policy, Minutes(r.ReapMinutes) + " min", Number(r.Invocations), Number(r.ColdStarts),
            (r.ColdStartRatio * 100).ToString("0.000", CultureInfo.InvariantCulture), Number(r.Pings), Number(r.Throttles),
            r.CostUsd.ToString(r.CostUsd < 0.01 ? "0.000000" : "0.0000", CultureInfo.InvariantCulture),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        var text = new StringBuilder();
        AppendLine(text, header, widths);
        text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in cells)
        {
            AppendLine(text, row, widths);
        }

        return text.ToString();
    }

    /// <summary>CSV with a header line.</summary>
    public static string Csv(IReadOnlyList<SimulationRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new StringBuilder("trace,policy,reap_minutes,invocations,cold_starts,cold_start_ratio,pings,throttles,cost_usd\n");
        foreach (var r in rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"{Field(r.Trace)},{Field(r.Policy)},{Minutes(r.ReapMinutes)},{r.Invocations},{r.ColdStarts},{r.ColdStartRatio.ToString("0.000000", CultureInfo.InvariantCulture)},{r.Pings},{r.Throttles},{r.CostUsd.ToString("0.000000", CultureInfo.InvariantCulture)}\n");
        }

        return text.ToString();
    }

    /// <summary>One JSON array of row objects.</summary>
    public static string Json(IReadOnlyList<SimulationRow> rows) => JsonSerializer.Serialize(rows, JsonOptions);

    private static string Minutes(double minutes) => minutes.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private static void AppendLine(StringBuilder text, string[] cells, int[] widths)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            // Names left, figures right.
            text.Append(i < 2 ? cells[i].PadRight(widths[i]) : cells[i].PadLeft(widths[i]));
            text.Append(i == cells.Length - 1 ? "" : "  ");
        }

        text.AppendLine();
    }
}
