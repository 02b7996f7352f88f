namespace WarmKeeper.Core.Demand;

/// <summary>Demand of one function over a span of time, as the agent saw it.</summary>
/// <param name="Covered">How much of the span had observations (zero: nothing is known about it).</param>
/// <param name="MaxInFlight">The most invocations running at once.</param>
/// <param name="MeanInFlight">Time-weighted mean of invocations running.</param>
/// <param name="MeanOfMaxInFlight">The mean, over the span's seconds, of each second's peak: tracks maxima without jumping on one spike.</param>
/// <param name="Arrivals">Invocations that arrived.</param>
/// <param name="ColdStarts">Of those, how many started a new environment.</param>
/// <param name="Throttles">Invocations refused for lack of concurrency.</param>
public readonly record struct DemandSummary(TimeSpan Covered, int MaxInFlight, double MeanInFlight, double MeanOfMaxInFlight, int Arrivals, int ColdStarts, int Throttles)
{
    public static DemandSummary None => default;

    public bool IsKnown => Covered > TimeSpan.Zero;
}

/// <summary>
/// What a decider may read of demand: the past only. Implementations return
/// <see cref="DemandSummary.None"/> for spans they know nothing about, and never anything after "now".
/// </summary>
public interface IDemandHistory
{
    DemandSummary Summarize(DateTimeOffset from, DateTimeOffset to);
}
