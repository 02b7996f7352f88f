namespace WarmKeeper.Dashboard.Charts;

/// <summary>
/// Maps values spread over orders of magnitude (the costs of policies, from a few pings to provisioned
/// concurrency around the clock) so that each decade gets the same room.
/// </summary>
public readonly record struct LogScale(double DomainMin, double DomainMax, double RangeMin, double RangeMax)
{
    /// <summary>A value's coordinate; values at or below the domain's minimum sit on it.</summary>
    public double Map(double value)
    {
        var low = Math.Log10(DomainMin);
        var high = Math.Log10(DomainMax);
        var v = Math.Log10(Math.Max(value, DomainMin));
        return high == low ? (RangeMin + RangeMax) / 2 : RangeMin + ((v - low) * (RangeMax - RangeMin) / (high - low));
    }

    /// <summary>The decades around the positive values: from the power of ten at or below the least to the one at or above the most.</summary>
    public static (double Min, double Max) Decades(IEnumerable<double> values)
    {
        var positive = values.Where(v => v > 0 && double.IsFinite(v)).ToList();
        if (positive.Count == 0)
        {
            return (1, 10);
        }

        var min = Math.Pow(10, Math.Floor(Math.Log10(positive.Min())));
        var max = Math.Pow(10, Math.Ceiling(Math.Log10(positive.Max())));
        return (min, max > min ? max : min * 10);
    }

    /// <summary>Ticks at each power of ten, with 2 and 5 times each when there are few decades.</summary>
    public static IReadOnlyList<double> Ticks(double min, double max)
    {
        var ticks = new List<double>();
        var decades = (int)Math.Round(Math.Log10(max / min));
        for (var power = min; power <= max * 1.000001; power *= 10)
        {
            ticks.Add(power);
            if (decades <= 2 && power * 2 < max)
            {
                ticks.Add(power * 2);
                ticks.Add(power * 5);
            }
        }

        return ticks;
    }
}

/// <summary>Places text labels beside points so that labels of points close together do not overprint.</summary>
public static class LabelLayout
{
    /// <returns>The baseline y of each label, in the order of <paramref name="anchors"/>.</returns>
    public static IReadOnlyList<double> Place(IReadOnlyList<(double X, double Y, string Text)> anchors, double lineHeight = 13, double charWidth = 6.5)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        var placed = new List<(double Left, double Right, double Y)>();
        var result = new double[anchors.Count];
        foreach (var i in Enumerable.Range(0, anchors.Count).OrderBy(i => anchors[i].Y).ThenBy(i => anchors[i].X))
        {
            var (x, y, text) = anchors[i];
            var left = x + 7;
            var right = left + (text.Length * charWidth);
            var baseline = y - 6;
            bool Overlaps(double at) => placed.Any(p => p.Left < right && left < p.Right && Math.Abs(p.Y - at) < lineHeight);
            while (Overlaps(baseline))
            {
                baseline += lineHeight;
            }

            placed.Add((left, right, baseline));
            result[i] = baseline;
        }

        return result;
    }
}
