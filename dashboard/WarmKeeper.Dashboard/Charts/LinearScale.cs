using System.Globalization;

namespace WarmKeeper.Dashboard.Charts;

/// <summary>Maps a value of the data (the domain) to a coordinate of the drawing (the range), linearly.</summary>
public readonly record struct LinearScale(double DomainMin, double DomainMax, double RangeMin, double RangeMax)
{
    /// <summary>A value's coordinate; an empty domain maps everything to the middle of the range.</summary>
    public double Map(double value) =>
        DomainMax == DomainMin
            ? (RangeMin + RangeMax) / 2
            : RangeMin + ((value - DomainMin) * (RangeMax - RangeMin) / (DomainMax - DomainMin));

    /// <summary>
    /// The smallest "round" number (1, 2, 2.5 or 5 times a power of ten) at or above <paramref name="max"/>,
    /// and at least <paramref name="floor"/>: an axis that ends on a figure people read at a glance.
    /// </summary>
    public static double NiceCeiling(double max, double floor = 1)
    {
        if (double.IsNaN(max) || max <= floor)
        {
            return floor;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(max)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
        {
            var candidate = step * magnitude;
            if (candidate >= max - (magnitude * 1e-9))
            {
                return candidate;
            }
        }

        return 10 * magnitude;
    }

    /// <summary>Evenly spaced ticks from 0 to <paramref name="ceiling"/>, whole numbers when the axis counts things.</summary>
    public static IReadOnlyList<double> Ticks(double ceiling, int most = 5, bool whole = true)
    {
        if (ceiling <= 0 || most < 1)
        {
            return [0];
        }

        var step = ceiling / most;
        if (whole)
        {
            step = Math.Max(1, Math.Ceiling(step));
        }

        var ticks = new List<double>();
        for (var t = 0.0; t <= ceiling + (step * 1e-9); t += step)
        {
            ticks.Add(Math.Round(t, 6));
        }

        return ticks;
    }
}

/// <summary>SVG coordinates and paths written the same way everywhere (invariant culture, one decimal).</summary>
public static class Svg
{
    public static string N(double value) => Math.Round(value, 1).ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary><c>points</c> of a polyline.</summary>
    public static string Points(IEnumerable<(double X, double Y)> points) =>
        string.Join(' ', points.Select(p => $"{N(p.X)},{N(p.Y)}"));

    /// <summary>A closed area under a line, down to <paramref name="baseline"/>.</summary>
    public static string Area(IReadOnlyList<(double X, double Y)> points, double baseline) =>
        points.Count == 0
            ? ""
            : $"M{N(points[0].X)},{N(baseline)} " + string.Join(' ', points.Select(p => $"L{N(p.X)},{N(p.Y)}")) + $" L{N(points[^1].X)},{N(baseline)} Z";

    /// <summary>A step line: each value holds until the next one starts, the last until <paramref name="endX"/>.</summary>
    public static string Steps(IReadOnlyList<(double X, double Y)> steps, double endX)
    {
        if (steps.Count == 0)
        {
            return "";
        }

        var path = new System.Text.StringBuilder($"M{N(steps[0].X)},{N(steps[0].Y)}");
        for (var i = 1; i < steps.Count; i++)
        {
            path.Append(CultureInfo.InvariantCulture, $" H{N(steps[i].X)} V{N(steps[i].Y)}");
        }

        path.Append(CultureInfo.InvariantCulture, $" H{N(endX)}");
        return path.ToString();
    }
}
