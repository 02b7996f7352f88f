using System.Globalization;
using ScottPlot;
using WarmKeeper.Core.Simulation;

namespace WarmKeeper.Agent.Simulation;

/// <summary>
/// The Pareto picture: user-visible cold starts against cost, one point per policy, one panel per trace (rows) and
/// REAP (columns). Cost spans two orders of magnitude (pings against static provisioning), so its axis is logarithmic.
/// </summary>
public static class ParetoPlot
{
    private static readonly double[] CostTicks = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

    /// <summary>Renders the rows to a PNG file.</summary>
    public static void Save(IReadOnlyList<SimulationRow> rows, string path, int panelWidth = 560, int panelHeight = 420)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var traces = rows.Select(r => r.Trace).Distinct(StringComparer.Ordinal).ToArray();
        var reaps = rows.Select(r => r.ReapMinutes).Distinct().Order().ToArray();
        var policies = rows.Select(r => r.Policy).Distinct(StringComparer.Ordinal).ToArray();
        if (traces.Length == 0)
        {
            throw new ArgumentException("Nothing to plot.", nameof(rows));
        }

        var multiplot = new Multiplot();
        multiplot.AddPlots(traces.Length * reaps.Length);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(traces.Length, reaps.Length);
        for (var t = 0; t < traces.Length; t++)
        {
            for (var r = 0; r < reaps.Length; r++)
            {
                var plot = multiplot.GetPlot((t * reaps.Length) + r);
                var panel = rows.Where(x => x.Trace == traces[t] && x.ReapMinutes == reaps[r]).ToArray();
                Draw(plot, panel, policies, $"{traces[t]}, REAP {reaps[r].ToString("0.###", CultureInfo.InvariantCulture)} min");
            }
        }

        multiplot.SavePng(path, panelWidth * reaps.Length, panelHeight * traces.Length);
    }

    private static void Draw(Plot plot, SimulationRow[] panel, string[] policies, string title)
    {
        plot.Title(title, size: 13);
        plot.XLabel("cost (USD, log scale)", size: 11);
        plot.YLabel("user-visible cold starts", size: 11);
        foreach (var row in panel)
        {
            var color = Colors.Category10[Array.IndexOf(policies, row.Policy) % 10];
            var x = Math.Log10(Math.Max(row.CostUsd, 1e-6));
            var marker = plot.Add.Marker(x, row.ColdStarts, size: 9, color: color);
            marker.MarkerShape = row.Policy == Core.Simulation.Policies.AdaptivePolicy.Name ? MarkerShape.FilledDiamond : MarkerShape.FilledCircle;
            var label = plot.Add.Text($"{row.Policy} ({row.ColdStarts.ToString("N0", CultureInfo.InvariantCulture)})", x, row.ColdStarts);
            label.LabelFontSize = 10;
            label.LabelFontColor = color;
            label.LabelOffsetX = 7;
            label.LabelOffsetY = -6;
        }

        if (panel.Length > 0)
        {
            var xs = panel.Select(p => Math.Log10(Math.Max(p.CostUsd, 1e-6))).ToArray();
            var (min, max) = (xs.Min(), xs.Max());
            var pad = Math.Max(0.15, (max - min) * 0.08);
            // Room on the right for the labels.
            plot.Axes.SetLimitsX(min - pad, max + (pad * 4));
            var top = panel.Max(p => p.ColdStarts);
            plot.Axes.SetLimitsY(-Math.Max(1, top * 0.06), Math.Max(1, top * 1.1));
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            // Over more than two decades, 1-2-5 steps crowd the axis: powers of ten only.
            var wide = max + (pad * 4) - (min - pad) > 2.2;
            foreach (var tick in CostTicks)
            {
                var position = Math.Log10(tick);
                var powerOfTen = Math.Abs(position - Math.Round(position)) < 1e-9;
                if ((powerOfTen || !wide) && position >= min - pad && position <= max + (pad * 4))
                {
                    ticks.AddMajor(position, "$" + tick.ToString("0.####", CultureInfo.InvariantCulture));
                }
            }

            plot.Axes.Bottom.TickGenerator = ticks;
        }
    }
}
