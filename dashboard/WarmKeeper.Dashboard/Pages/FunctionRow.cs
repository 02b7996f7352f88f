using WarmKeeper.Dashboard.Client;

namespace WarmKeeper.Dashboard.Pages;

/// <summary>One qualifier's provisioned concurrency: what the target has, and what a policy wants.</summary>
public sealed record QualifierConcurrency(
    string Qualifier, ProvisionedConcurrencyInfo? Actual, ConcurrencyPolicyInfo? Policy, ScalingDecisionInfo? LastDecision)
{
    /// <summary>What the policy last decided, or its floor when it has not decided yet.</summary>
    public int? Wanted => LastDecision?.Desired ?? Policy?.Min;
}

/// <summary>A row of the functions overview.</summary>
public sealed record FunctionRow(
    FunctionInfo Function, FunctionDetails? Details, IReadOnlyList<QualifierConcurrency> Concurrency, IReadOnlyList<double> Demand, int? PeakDemand)
{
    public string Key => $"{Function.Target}/{Function.Name}";

    public string Link => $"/functions/{Uri.EscapeDataString(Function.Target)}/{Uri.EscapeDataString(Function.Name)}";

    /// <summary>Puts together what the overview shows of one function from what the API answered.</summary>
    public static FunctionRow Build(
        FunctionInfo function, FunctionDetails? details, DemandSeries? demand,
        IReadOnlyList<ConcurrencyPolicyInfo> policies, IReadOnlyList<AgentEventInfo> decisionEvents)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(decisionEvents);
        var mine = policies.Where(p => p.Target == function.Target && p.Function == function.Name).ToList();
        var qualifiers = (details?.ProvisionedConcurrency.Select(p => p.Qualifier) ?? [])
            .Concat(mine.Select(p => p.Qualifier))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        var concurrency = qualifiers.Select(q =>
        {
            var policy = mine.FirstOrDefault(p => p.Qualifier == q);
            var decision = decisionEvents
                .Where(e => e.Target == function.Target && e.Function == function.Name && e.Qualifier == q)
                .Select(ScalingDecisionInfo.From)
                .FirstOrDefault(d => d is not null);
            return new QualifierConcurrency(q, details?.ProvisionedConcurrency.FirstOrDefault(p => p.Qualifier == q), policy, decision);
        }).ToList();
        var values = demand?.Points.Select(p => (double)p.MaxInFlight).ToList() ?? [];
        return new FunctionRow(function, details, concurrency, values, values.Count == 0 ? null : (int)values.Max());
    }

    /// <summary>
    /// The demand series with a point for every step of the window up to <paramref name="end"/>: the API
    /// leaves out steps with no traffic, and a sparkline must show quiet time as quiet.
    /// </summary>
    public static IReadOnlyList<DemandPoint> Densify(DemandSeries series, DateTimeOffset end, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(series);
        var step = (long)series.Step.TotalSeconds;
        if (series.Points.Count == 0 || step <= 0)
        {
            return series.Points;
        }

        var byTime = series.Points.GroupBy(p => p.Time.ToUnixTimeSeconds()).ToDictionary(g => g.Key, g => g.First());
        var anchor = series.Points[0].Time.ToUnixTimeSeconds();
        var endSeconds = Math.Max(end.ToUnixTimeSeconds(), series.Points[^1].Time.ToUnixTimeSeconds());
        var last = anchor + ((endSeconds - anchor) / step * step);
        var count = Math.Max(1, (long)(window.TotalSeconds / step));
        var dense = new List<DemandPoint>((int)count);
        for (var t = last - ((count - 1) * step); t <= last; t += step)
        {
            dense.Add(byTime.TryGetValue(t, out var p) ? p : new DemandPoint(DateTimeOffset.FromUnixTimeSeconds(t), 0, 0, 0, 0, 0));
        }

        return dense;
    }
}
