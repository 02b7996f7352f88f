using System.Globalization;
using System.Text;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Scaling;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Core.Scheduling;

namespace WarmKeeper.Core.Tests.Scaling;

/// <summary>
/// <see cref="ConcurrencyDecider.Decide"/> as it was before decisions wrote their reasons lazily
/// (commit a50cf88), kept verbatim as the reference the lazy decider must equal.
/// </summary>
internal static class EagerConcurrencyDecider
{
    private const string TargetTracking = "target-tracking";
    private const string Burst = "burst";
    private const string Predictive = "predictive";
    private const string Schedule = "schedule";

    public static ScalingDecision Decide(ScalingInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var (policy, current, demand, state, limits, now) = inputs;
        var votes = new List<DeciderVote>(4);
        var next = state;

        if (policy.TargetTracking)
        {
            votes.Add(VoteTargetTracking(policy, demand, now));
        }

        if (policy.Burst)
        {
            var (vote, burstState) = VoteBurst(policy, current, demand, state, now);
            votes.Add(vote);
            next = burstState;
        }

        if (policy.Predictive)
        {
            votes.Add(VotePredictive(policy, demand, now));
        }

        var (lower, upper, scheduleVote) = Bounds(policy, now);
        if (scheduleVote is not null)
        {
            votes.Add(scheduleVote);
        }

        var reason = new StringBuilder();
        var wanted = votes.Where(v => v.Desired is not null).Select(v => v.Desired!.Value).DefaultIfEmpty(-1).Max();
        int desired;
        if (wanted < 0)
        {
            desired = current;
            reason.Append("no observations yet: keep ").Append(current);
        }
        else
        {
            desired = wanted;
            var top = votes.Where(v => v.Desired == wanted).Select(v => v.Decider);
            reason.Append(string.Join(" and ", top)).Append(" ask for ").Append(wanted);
        }

        // Scale-in is the careful direction: not before a full window has been seen since start,
        // not within the delay after a scale-out, and never below what the longer window still needs.
        if (desired < current)
        {
            var observedFor = now - state.ObservingSince;
            if (observedFor < policy.StableWindow)
            {
                desired = current;
                reason.Append(CultureInfo.InvariantCulture, $"; no scale-in: only {observedFor.TotalSeconds:0}s observed since start, a full {policy.StableWindow.TotalSeconds:0}s window is needed");
            }
            else if (state.LastScaleOutAt is { } lastOut && now - lastOut < policy.ScaleInDelay)
            {
                desired = current;
                reason.Append(CultureInfo.InvariantCulture, $"; no scale-in within {policy.ScaleInDelay.TotalSeconds:0}s of the last scale-out");
            }
            else if (policy.TargetTracking)
            {
                var longer = demand.Summarize(now - policy.ScaleInDelay, now);
                if (longer.IsKnown)
                {
                    var needed = Ceiling(longer.MeanOfMaxInFlight / policy.TargetUtilization);
                    if (needed > desired)
                    {
                        desired = Math.Min(current, needed);
                        reason.Append(CultureInfo.InvariantCulture, $"; scale-in only to {desired}, which the last {policy.ScaleInDelay.TotalSeconds:0}s still needed");
                    }
                }
            }
        }

        var bounded = Math.Clamp(desired, lower, upper);
        if (bounded != desired)
        {
            reason.Append(CultureInfo.InvariantCulture, $"; bounded to [{lower}, {upper}] → {bounded}");
            desired = bounded;
        }

        var cap = limits.Cap;
        if (desired > cap)
        {
            reason.Append(limits.ReservedConcurrency is { } r
                ? $"; capped at reserved concurrency {r}"
                : $"; capped at {cap}: unreserved concurrency {limits.UnreservedConcurrency} minus its floor {limits.UnreservedFloor}");
            desired = cap;
        }

        if (desired > current)
        {
            next = next with { LastScaleOutAt = now };
        }

        reason.Insert(0, desired == current ? $"keep {current}: " : $"{current} → {desired}: ");
        return new ScalingDecision(current, desired, lower, Math.Min(upper, cap), votes, reason.ToString(), next);
    }

    private static DeciderVote VoteTargetTracking(ConcurrencyPolicy policy, IDemandHistory demand, DateTimeOffset now)
    {
        var window = demand.Summarize(now - policy.StableWindow, now);
        if (!window.IsKnown)
        {
            return new DeciderVote(TargetTracking, null, "no observations in the stable window", Inputs());
        }

        // Both the mean and the mean of per-second peaks: a function whose concurrency jumps within
        // each second needs its peaks covered, which a mean alone would miss.
        var byMean = Ceiling(window.MeanInFlight / policy.TargetUtilization);
        var byPeaks = Ceiling(window.MeanOfMaxInFlight / policy.TargetUtilization);
        var desired = Math.Max(byMean, byPeaks);
        return new DeciderVote(
            TargetTracking,
            desired,
            string.Create(CultureInfo.InvariantCulture,
                $"{policy.StableWindow.TotalSeconds:0}s mean in flight {window.MeanInFlight:0.##}, mean of per-second peaks {window.MeanOfMaxInFlight:0.##}, at target {policy.TargetUtilization:0.##} → {desired}"),
            Inputs(("windowSeconds", policy.StableWindow.TotalSeconds), ("meanInFlight", window.MeanInFlight),
                ("meanOfMaxInFlight", window.MeanOfMaxInFlight), ("maxInFlight", window.MaxInFlight), ("targetUtilization", policy.TargetUtilization)));
    }

    private static (DeciderVote Vote, ScalingState State) VoteBurst(
        ConcurrencyPolicy policy, int current, IDemandHistory demand, ScalingState state, DateTimeOffset now)
    {
        var window = demand.Summarize(now - policy.BurstWindow, now);
        var holding = state.BurstUntil is { } until && now < until;
        if (!window.IsKnown)
        {
            return holding
                ? (new DeciderVote(Burst, state.BurstLevel, $"holding burst level {state.BurstLevel}", Inputs()), state)
                : (new DeciderVote(Burst, null, "no observations in the burst window", Inputs()), state);
        }

        var need = Ceiling(window.MaxInFlight / policy.TargetUtilization);
        var inputs = Inputs(("windowSeconds", policy.BurstWindow.TotalSeconds), ("maxInFlight", window.MaxInFlight),
            ("threshold", policy.BurstThreshold), ("current", current));
        if (need >= policy.BurstThreshold * Math.Max(current, 1) && need > current)
        {
            var level = Math.Max(need, holding ? state.BurstLevel : 0);
            var holdUntil = now + policy.StableWindow;
            return (new DeciderVote(Burst, level,
                    string.Create(CultureInfo.InvariantCulture,
                        $"{policy.BurstWindow.TotalSeconds:0}s peak {window.MaxInFlight} needs {need}, at least {policy.BurstThreshold:0.#}× the current {current}: scale out now and hold until {holdUntil:HH:mm:ss}"),
                    inputs),
                state with { BurstUntil = holdUntil, BurstLevel = level });
        }

        if (holding)
        {
            return (new DeciderVote(Burst, state.BurstLevel, $"holding burst level {state.BurstLevel} until {state.BurstUntil:HH:mm:ss}", inputs), state);
        }

        return (new DeciderVote(Burst, null, string.Create(CultureInfo.InvariantCulture, $"{policy.BurstWindow.TotalSeconds:0}s peak {window.MaxInFlight} is no burst"), inputs),
            state with { BurstUntil = null, BurstLevel = 0 });
    }

    private static DeciderVote VotePredictive(ConcurrencyPolicy policy, IDemandHistory demand, DateTimeOffset now)
    {
        var span = policy.PredictionLead + policy.StableWindow;
        var yesterday = demand.Summarize(now - TimeSpan.FromDays(1), now - TimeSpan.FromDays(1) + span);
        var lastWeek = demand.Summarize(now - TimeSpan.FromDays(7), now - TimeSpan.FromDays(7) + span);
        if (!yesterday.IsKnown && !lastWeek.IsKnown)
        {
            return new DeciderVote(Predictive, null, "no history for this time of day yet", Inputs());
        }

        // Scale what history says by how today compares with yesterday so far (within [0.5, 2]).
        var recent = demand.Summarize(now - TimeSpan.FromMinutes(15), now);
        var recentYesterday = demand.Summarize(now - TimeSpan.FromDays(1) - TimeSpan.FromMinutes(15), now - TimeSpan.FromDays(1));
        var trend = recent.IsKnown && recentYesterday.IsKnown && recentYesterday.MeanOfMaxInFlight > 0
            ? Math.Clamp(recent.MeanOfMaxInFlight / recentYesterday.MeanOfMaxInFlight, 0.5, 2.0)
            : 1.0;
        var expected = Math.Max(yesterday.MeanOfMaxInFlight, lastWeek.MeanOfMaxInFlight) * trend;
        var desired = Ceiling(expected / policy.TargetUtilization);
        return new DeciderVote(
            Predictive,
            desired,
            string.Create(CultureInfo.InvariantCulture,
                $"next {span.TotalMinutes:0.#} min: yesterday {yesterday.MeanOfMaxInFlight:0.##}, last week {lastWeek.MeanOfMaxInFlight:0.##}, trend ×{trend:0.##} → {desired}"),
            Inputs(("yesterday", yesterday.MeanOfMaxInFlight), ("lastWeek", lastWeek.MeanOfMaxInFlight), ("trend", trend), ("leadSeconds", policy.PredictionLead.TotalSeconds)));
    }

    private static (int Lower, int Upper, DeciderVote? Vote) Bounds(ConcurrencyPolicy policy, DateTimeOffset now)
    {
        var lower = policy.Min;
        var upper = policy.Max;
        var active = new List<string>();
        foreach (var bound in policy.Schedules)
        {
            if (!CronSchedule.TryParse(bound.Cron, bound.TimeZone, out var schedule, out _, out _))
            {
                continue;
            }

            // Active when an occurrence fell within the last Duration.
            var occurrence = schedule!.NextAfter(now - bound.Duration - TimeSpan.FromTicks(1));
            if (occurrence is { } start && start <= now)
            {
                if (bound.Floor is { } floor)
                {
                    lower = Math.Max(lower, floor);
                }

                if (bound.Ceiling is { } ceiling)
                {
                    upper = Math.Min(upper, ceiling);
                }

                active.Add($"'{bound.Cron}' since {start:HH:mm} (floor {bound.Floor?.ToString(CultureInfo.InvariantCulture) ?? "-"}, ceiling {bound.Ceiling?.ToString(CultureInfo.InvariantCulture) ?? "-"})");
            }
        }

        // A ceiling wins over a floor: it is the cost limit someone set.
        lower = Math.Min(lower, upper);
        var vote = active.Count == 0
            ? null
            : new DeciderVote(Schedule, lower, $"schedules active: {string.Join("; ", active)} → [{lower}, {upper}]", Inputs(("lower", lower), ("upper", upper)));
        return (lower, upper, vote);
    }

    private static int Ceiling(double value) => value <= 0 ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(value - 1e-9));

    private static Dictionary<string, double> Inputs(params (string Key, double Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
}
