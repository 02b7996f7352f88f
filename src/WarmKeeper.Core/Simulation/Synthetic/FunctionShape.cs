namespace WarmKeeper.Core.Simulation.Synthetic;

/// <summary>
/// The statistics the workload literature describes functions by, measured on a trace: rate, inter-arrival
/// coefficient of variation, load by hour. For checking that generated traces look like production, and for reports.
/// </summary>
/// <param name="Function">The function's name.</param>
/// <param name="Invocations">Its invocations in the trace.</param>
/// <param name="PerHour">Mean invocations per hour over the trace's length.</param>
/// <param name="InterArrivalCv">Standard deviation of the gaps between consecutive arrivals over their mean; NaN with fewer than two gaps or a zero mean.</param>
/// <param name="HourlyCounts">Invocations in each hour of the trace (the last hour also holds an arrival at the very end).</param>
public sealed record FunctionShape(string Function, int Invocations, double PerHour, double InterArrivalCv, int[] HourlyCounts)
{
    private const long HourMs = 3_600_000;

    /// <summary>Is it invoked at most once an hour on average?</summary>
    public bool AtMostHourly => PerHour <= 1.0;

    /// <summary>Is it invoked at most once a minute on average?</summary>
    public bool AtMostEveryMinute => PerHour <= 60.0;

    /// <summary>The shape of every function of <paramref name="trace"/>, in trace order.</summary>
    public static IReadOnlyList<FunctionShape> Describe(DemandTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var count = trace.Functions.Count;
        var hours = (int)Math.Max(1, (trace.LengthMs + HourMs - 1) / HourMs);
        var invocations = new int[count];
        var hourly = new int[count][];
        var last = new long[count];
        var gapSum = new double[count];
        var gapSquares = new double[count];
        for (var f = 0; f < count; f++)
        {
            hourly[f] = new int[hours];
        }

        foreach (var invocation in trace.Invocations)
        {
            var f = invocation.FunctionIndex;
            if (invocations[f] > 0)
            {
                double gap = invocation.TimeMs - last[f];
                gapSum[f] += gap;
                gapSquares[f] += gap * gap;
            }

            invocations[f]++;
            last[f] = invocation.TimeMs;
            hourly[f][Math.Min(hours - 1, (int)(invocation.TimeMs / HourMs))]++;
        }

        return [.. Enumerable.Range(0, count).Select(f =>
        {
            var gaps = invocations[f] - 1;
            var mean = gaps > 0 ? gapSum[f] / gaps : 0;
            var cv = gaps >= 2 && mean > 0 ? Math.Sqrt(Math.Max(0, (gapSquares[f] / gaps) - (mean * mean))) / mean : double.NaN;
            return new FunctionShape(trace.Functions[f].Name, invocations[f], invocations[f] / (trace.LengthMs / (double)HourMs), cv, hourly[f]);
        })];
    }
}
