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
                Draw(plot, panel, policies, $"{traces[t]}, REAP {reaps[r].ToString("0.###", CultureInfo.InvariantCulture)} min", panelWidth, panelHeight);
            }
        }

        multiplot.SavePng(path, panelWidth * reaps.Length, panelHeight * traces.Length);
    }

    private static void Draw(Plot plot, SimulationRow[] panel, string[] policies, string title, int panelWidth, int panelHeight)
    {
        plot.Title(title, size: 13);
        plot.XLabel("cost (USD, log scale)", size: 11);
        plot.YLabel("user-visible cold starts", size: 11);
        var (xMin, xMax, yMin, yMax) = Limits(panel);
        var labels = new LabelPlacer(panelWidth, panelHeight, xMin, xMax, yMin, yMax);
        foreach (var row in panel.OrderByDescending(r => r.ColdStarts).ThenBy(r => r.CostUsd))
        {
            var color = Colors.Category10[Array.IndexOf(policies, row.Policy) % 10];
            var x = Math.Log10(Math.Max(row.CostUsd, 1e-6));
            var marker = plot.Add.Marker(x, row.ColdStarts, size: 9, color: color);
            marker.MarkerShape = row.Policy == Core.Adaptive.AdaptivePolicy.Name ? MarkerShape.FilledDiamond : MarkerShape.FilledCircle;
            var text = $"{row.Policy} ({row.ColdStarts.ToString("N0", CultureInfo.InvariantCulture)})";
            var label = plot.Add.Text(text, x, row.ColdStarts);
            label.LabelFontSize = 10;
            label.LabelFontColor = color;
            label.LabelOffsetX = 7;
            label.LabelOffsetY = labels.Place(x, row.ColdStarts, text.Length);
        }

        if (panel.Length > 0)
        {
            plot.Axes.SetLimitsX(xMin, xMax);
            plot.Axes.SetLimitsY(yMin, yMax);
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            // Over more than two decades, 1-2-5 steps crowd the axis: powers of ten only.
            var wide = xMax - xMin > 2.2;
            foreach (var tick in CostTicks)
            {
                var position = Math.Log10(tick);
                var powerOfTen = Math.Abs(position - Math.Round(position)) < 1e-9;
                if ((powerOfTen || !wide) && position >= xMin && position <= xMax)
                {
                    ticks.AddMajor(position, "$" + tick.ToString("0.####", CultureInfo.InvariantCulture));
                }
            }

            plot.Axes.Bottom.TickGenerator = ticks;
        }
    }

    /// <summary>Axis limits of a panel: cost (log) with room on the right for the labels, cold starts from just below 0.</summary>
    private static (double XMin, double XMax, double YMin, double YMax) Limits(SimulationRow[] panel)
    {
        if (panel.Length == 0)
        {
            return (-1, 1, -1, 1);
        }

        var xs = panel.Select(p => Math.Log10(Math.Max(p.CostUsd, 1e-6))).ToArray();
        var (min, max) = (xs.Min(), xs.Max());
        var pad = Math.Max(0.15, (max - min) * 0.08);
        var top = panel.Max(p => p.ColdStarts);
        return (min - pad, max + (pad * 4), -Math.Max(1, top * 0.06), Math.Max(1, top * 1.1));
    }

    /// <summary>
    /// Keeps point labels from overprinting each other: each label's box is estimated in pixels (the data area is
    /// most of the panel) and moved down, then up, a line at a time until it is clear of the labels already placed.
    /// </summary>
    private sealed class LabelPlacer(int panelWidth, int panelHeight, double xMin, double xMax, double yMin, double yMax)
    {
        private const double LineHeight = 13;
        private const double CharWidth = 6.2;
        private readonly double _width = panelWidth * 0.82;
        private readonly double _height = panelHeight * 0.78;
        private readonly List<(double Left, double Top, double Right, double Bottom)> _placed = [];

        /// <returns>The label's vertical offset in pixels.</returns>
        public float Place(double x, double y, int characters)
        {
            var left = (x - xMin) / (xMax - xMin) * _width;
            var baseline = (yMax - y) / (yMax - yMin) * _height;
            var width = characters * CharWidth;
            for (var step = 0; step < 24; step++)
            {
                // 0, +1, -1, +2, -2, ... lines away from just above the point.
                var lines = (step + 1) / 2 * (step % 2 == 1 ? 1 : -1);
                var offset = -6 + (lines * LineHeight);
                var box = (left + 7, baseline + offset - LineHeight, left + 7 + width, baseline + offset);
                if (!_placed.Exists(p => p.Left < box.Item3 && box.Item1 < p.Right && p.Top < box.Item4 && box.Item2 < p.Bottom))
                {
                    _placed.Add(box);
                    return (float)offset;
                }
            }

            return -6;
        }
    }
}
