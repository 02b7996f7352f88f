using System.Globalization;
using System.Text;
using WarmKeeper.Core.Demand;

namespace WarmKeeper.Core.Scaling;

/// <summary>What a target-tracking vote saw: the stable window, and what it asks for (null: nothing observed).</summary>
internal readonly record struct TrackingFacts(DemandSummary Window, int? Desired);

internal enum BurstCase : byte
{
    /// <summary>Nothing observed in the burst window, no level held.</summary>
    Unobserved,

    /// <summary>Nothing observed in the burst window while a level is held.</summary>
    HoldingUnobserved,

    /// <summary>A burst: scale out now and hold.</summary>
    Burst,

    /// <summary>No new burst while a level is held.</summary>
    Holding,

    NoBurst,
}

/// <summary>What a burst vote saw: the short window, what it needs, and the level it asks for (null: none).</summary>
internal readonly record struct BurstFacts(BurstCase Case, DemandSummary Window, int Need, int? Desired, DateTimeOffset HoldUntil);

/// <summary>What a predictive vote saw (Desired null: no history for this time of day).</summary>
internal readonly record struct PredictiveFacts(int? Desired, double Yesterday, double LastWeek, double Trend);

internal enum ScaleInGuard : byte
{
    None,
    TooShortObserved,
    WithinDelay,
    StillNeeded,
}

/// <summary>
/// The figures behind one decision of <see cref="ConcurrencyDecider.Decide"/>, from which its votes
/// and reason are written when first read. Filled in while deciding, unchanged after.
/// </summary>
internal sealed class DecisionFacts(ConcurrencyPolicy policy, ScalingState state, CapacityLimits limits)
{
    public TrackingFacts? Tracking { get; set; }

    public BurstFacts? Burst { get; set; }

    public PredictiveFacts? Predictive { get; set; }

    /// <summary>The schedules active now and since when, in the policy's order; null when none is.</summary>
    public List<(ScheduledBound Bound, DateTimeOffset Start)>? ActiveSchedules { get; set; }

    public int Lower { get; set; }

    public int Upper { get; set; }

    public ScaleInGuard Guard { get; set; }

    public TimeSpan ObservedFor { get; set; }

    public int ScaleInTo { get; set; }

    /// <summary>Where the policy's bounds moved the value to, when they did (before the cap).</summary>
    public int? BoundedTo { get; set; }

    public bool Capped { get; set; }

    /// <summary>The most any vote asks for, or -1 when no vote asks for anything.</summary>
    public int Wanted
    {
        get
        {
            var wanted = -1;
            foreach (var desired in (ReadOnlySpan<int?>)[Tracking?.Desired, Burst?.Desired, Predictive?.Desired, ScheduleDesired])
            {
                if (desired is { } value && value > wanted)
                {
                    wanted = value;
                }
            }

            return wanted;
        }
    }

    private int? ScheduleDesired => ActiveSchedules is null ? null : Lower;

    public IReadOnlyList<DeciderVote> Votes(int current)
    {
        var votes = new List<DeciderVote>(4);
        if (Tracking is { } tracking)
        {
            votes.Add(TrackingVote(tracking));
        }

        if (Burst is { } burst)
        {
            votes.Add(BurstVote(burst, current));
        }

        if (Predictive is { } predictive)
        {
            votes.Add(PredictiveVote(predictive));
        }

        if (ActiveSchedules is { } active)
        {
            var described = active.Select(a =>
                $"'{a.Bound.Cron}' since {a.Start:HH:mm} (floor {a.Bound.Floor?.ToString(CultureInfo.InvariantCulture) ?? "-"}, ceiling {a.Bound.Ceiling?.ToString(CultureInfo.InvariantCulture) ?? "-"})");
            votes.Add(new DeciderVote(ConcurrencyDecider.Schedule, Lower, $"schedules active: {string.Join("; ", described)} → [{Lower}, {Upper}]", Inputs(("lower", Lower), ("upper", Upper))));
        }

        return votes;
    }

    public string Reason(int current, int desired)
    {
        var reason = new StringBuilder();
        reason.Append(desired == current ? $"keep {current}: " : $"{current} → {desired}: ");
        var wanted = Wanted;
        if (wanted < 0)
        {
            reason.Append("no observations yet: keep ").Append(current);
        }
        else
        {
            var top = new List<string>(4);
            AddIfWanted(ConcurrencyDecider.TargetTracking, Tracking?.Desired);
            AddIfWanted(ConcurrencyDecider.Burst, Burst?.Desired);
            AddIfWanted(ConcurrencyDecider.Predictive, Predictive?.Desired);
            AddIfWanted(ConcurrencyDecider.Schedule, ScheduleDesired);
            reason.Append(string.Join(" and ", top)).Append(" ask for ").Append(wanted);

            void AddIfWanted(string decider, int? asked)
            {
                if (asked == wanted)
                {
                    top.Add(decider);
                }
            }
        }

        switch (Guard)
        {
            case ScaleInGuard.TooShortObserved:
                reason.Append(CultureInfo.InvariantCulture, $"; no scale-in: only {ObservedFor.TotalSeconds:0}s observed since start, a full {policy.StableWindow.TotalSeconds:0}s window is needed");
                break;
            case ScaleInGuard.WithinDelay:
                reason.Append(CultureInfo.InvariantCulture, $"; no scale-in within {policy.ScaleInDelay.TotalSeconds:0}s of the last scale-out");
                break;
            case ScaleInGuard.StillNeeded:
                reason.Append(CultureInfo.InvariantCulture, $"; scale-in only to {ScaleInTo}, which the last {policy.ScaleInDelay.TotalSeconds:0}s still needed");
                break;
            case ScaleInGuard.None:
                break;
        }

        if (BoundedTo is { } bounded)
        {
            reason.Append(CultureInfo.InvariantCulture, $"; bounded to [{Lower}, {Upper}] → {bounded}");
        }

        if (Capped)
        {
            reason.Append(limits.ReservedConcurrency is { } r
                ? $"; capped at reserved concurrency {r}"
                : $"; capped at {limits.Cap}: unreserved concurrency {limits.UnreservedConcurrency} minus its floor {limits.UnreservedFloor}");
        }

        return reason.ToString();
    }

    private DeciderVote TrackingVote(TrackingFacts facts)
    {
        var window = facts.Window;
        if (facts.Desired is not { } desired)
        {
            return new DeciderVote(ConcurrencyDecider.TargetTracking, null, "no observations in the stable window", Inputs());
        }

        return new DeciderVote(
            ConcurrencyDecider.TargetTracking,
            desired,
            string.Create(CultureInfo.InvariantCulture,
                $"{policy.StableWindow.TotalSeconds:0}s mean in flight {window.MeanInFlight:0.##}, mean of per-second peaks {window.MeanOfMaxInFlight:0.##}, at target {policy.TargetUtilization:0.##} → {desired}"),
            Inputs(("windowSeconds", policy.StableWindow.TotalSeconds), ("meanInFlight", window.MeanInFlight),
                ("meanOfMaxInFlight", window.MeanOfMaxInFlight), ("maxInFlight", window.MaxInFlight), ("targetUtilization", policy.TargetUtilization)));
    }

    private DeciderVote BurstVote(BurstFacts facts, int current)
    {
        var window = facts.Window;
        var inputs = facts.Case is BurstCase.Unobserved or BurstCase.HoldingUnobserved
            ? Inputs()
            : Inputs(("windowSeconds", policy.BurstWindow.TotalSeconds), ("maxInFlight", window.MaxInFlight),
                ("threshold", policy.BurstThreshold), ("current", current));
        return facts.Case switch
        {
            BurstCase.HoldingUnobserved => new DeciderVote(ConcurrencyDecider.Burst, state.BurstLevel, $"holding burst level {state.BurstLevel}", inputs),
            BurstCase.Unobserved => new DeciderVote(ConcurrencyDecider.Burst, null, "no observations in the burst window", inputs),
            BurstCase.Burst => new DeciderVote(ConcurrencyDecider.Burst, facts.Desired,
                string.Create(CultureInfo.InvariantCulture,
                    $"{policy.BurstWindow.TotalSeconds:0}s peak {window.MaxInFlight} needs {facts.Need}, at least {policy.BurstThreshold:0.#}× the current {current}: scale out now and hold until {facts.HoldUntil:HH:mm:ss}"),
                inputs),
            BurstCase.Holding => new DeciderVote(ConcurrencyDecider.Burst, state.BurstLevel, $"holding burst level {state.BurstLevel} until {state.BurstUntil:HH:mm:ss}", inputs),
            _ => new DeciderVote(ConcurrencyDecider.Burst, null, string.Create(CultureInfo.InvariantCulture, $"{policy.BurstWindow.TotalSeconds:0}s peak {window.MaxInFlight} is no burst"), inputs),
        };
    }

    private DeciderVote PredictiveVote(PredictiveFacts facts)
    {
        if (facts.Desired is not { } desired)
        {
            return new DeciderVote(ConcurrencyDecider.Predictive, null, "no history for this time of day yet", Inputs());
        }

        var span = policy.PredictionLead + policy.StableWindow;
        return new DeciderVote(
            ConcurrencyDecider.Predictive,
            desired,
            string.Create(CultureInfo.InvariantCulture,
                $"next {span.TotalMinutes:0.#} min: yesterday {facts.Yesterday:0.##}, last week {facts.LastWeek:0.##}, trend ×{facts.Trend:0.##} → {desired}"),
            Inputs(("yesterday", facts.Yesterday), ("lastWeek", facts.LastWeek), ("trend", facts.Trend), ("leadSeconds", policy.PredictionLead.TotalSeconds)));
    }

    private static Dictionary<string, double> Inputs(params ReadOnlySpan<(string Key, double Value)> pairs)
    {
        var inputs = new Dictionary<string, double>(pairs.Length, StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            inputs.Add(key, value);
        }

        return inputs;
    }
}
