using WarmKeeper.Dashboard.Client;

namespace WarmKeeper.Dashboard.Charts;

/// <summary>A value that holds from <see cref="Time"/> until the next step.</summary>
public readonly record struct Step(DateTimeOffset Time, int Value);

/// <summary>
/// What the function's chart draws, derived from the API's answers: demand per step, provisioned
/// concurrency as the decisions that were applied left it, and what the policy wanted (dry runs and
/// failed changes included), over a window.
/// </summary>
public sealed record ConcurrencyChartModel(
    DateTimeOffset Start,
    DateTimeOffset End,
    IReadOnlyList<DemandPoint> Demand,
    IReadOnlyList<Step> Provisioned,
    IReadOnlyList<Step> Desired,
    IReadOnlyList<ScalingDecisionInfo> Decisions,
    double Ceiling)
{
    /// <param name="provisionedNow">What the target reports now; the line ends there when nothing in the window changed it.</param>
    public static ConcurrencyChartModel Build(
        DateTimeOffset start, DateTimeOffset end, IReadOnlyList<DemandPoint> demand, IEnumerable<ScalingDecisionInfo> decisions, int? provisionedNow)
    {
        ArgumentNullException.ThrowIfNull(demand);
        ArgumentNullException.ThrowIfNull(decisions);
        var inWindow = decisions.Where(d => d.Time >= start && d.Time <= end).OrderBy(d => d.Time).ToList();
        var applied = inWindow.Where(d => d.Applied).ToList();

        // Before the first change in the window, provisioned concurrency was what that change started from.
        var initial = applied.FirstOrDefault()?.Current ?? (applied.Count == 0 ? provisionedNow : null) ?? inWindow.FirstOrDefault()?.Current ?? 0;
        List<Step> provisioned = [new(start, initial), .. applied.Select(d => new Step(d.Time, d.Desired))];
        List<Step> desired = inWindow.Count == 0 ? [] : [new(start, inWindow[0].Current ?? initial), .. inWindow.Select(d => new Step(d.Time, d.Desired))];

        var highest = new[]
        {
            demand.Count == 0 ? 0 : demand.Max(p => p.MaxInFlight),
            provisioned.Max(s => s.Value),
            desired.Count == 0 ? 0 : desired.Max(s => s.Value),
        }.Max();
        return new ConcurrencyChartModel(start, end, demand, provisioned, desired, inWindow, LinearScale.NiceCeiling(highest));
    }

    /// <summary>Time ticks at a round spacing (1, 2, 5, 10, 15, 30 or 60 minutes), about six across the window.</summary>
    public IReadOnlyList<DateTimeOffset> TimeTicks()
    {
        var minutes = Math.Max(1, (End - Start).TotalMinutes / 6);
        var spacing = new[] { 1, 2, 5, 10, 15, 30, 60, 120, 240 }.FirstOrDefault(m => m >= minutes, 240);
        var step = TimeSpan.FromMinutes(spacing);
        var first = new DateTimeOffset((Start.UtcTicks + step.Ticks - 1) / step.Ticks * step.Ticks, TimeSpan.Zero);
        var ticks = new List<DateTimeOffset>();
        for (var t = first; t <= End; t += step)
        {
            ticks.Add(t);
        }

        return ticks;
    }
}
