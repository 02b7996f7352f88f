using System.Runtime.CompilerServices;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Core.Scheduling;

namespace WarmKeeper.Core.Scaling;

/// <summary>What the reconciler remembers between decisions for one policy.</summary>
/// <param name="ObservingSince">When demand started being observed (the agent's start): no scale-in before a full stable window after it.</param>
/// <param name="LastScaleOutAt">When provisioned concurrency was last raised.</param>
/// <param name="BurstUntil">Burst mode holds its level until then.</param>
/// <param name="BurstLevel">The level burst mode holds.</param>
public sealed record ScalingState(DateTimeOffset ObservingSince, DateTimeOffset? LastScaleOutAt = null, DateTimeOffset? BurstUntil = null, int BurstLevel = 0);

/// <summary>The limits the cloud imposes, read from the target.</summary>
/// <param name="ReservedConcurrency">The function's reserved concurrency; provisioned concurrency may not exceed it.</param>
/// <param name="UnreservedConcurrency">The account's unreserved concurrency (GetAccountSettings).</param>
/// <param name="UnreservedFloor">What must stay unreserved (100 on AWS).</param>
public readonly record struct CapacityLimits(int? ReservedConcurrency, int UnreservedConcurrency, int UnreservedFloor = ScalingDefaults.UnreservedFloor)
{
    /// <summary>The most provisioned concurrency the function may have.</summary>
    public int Cap => ReservedConcurrency ?? Math.Max(0, UnreservedConcurrency - UnreservedFloor);
}

public sealed record ScalingInputs(
    ConcurrencyPolicy Policy,
    int Current,
    IDemandHistory Demand,
    ScalingState State,
    CapacityLimits Limits,
    DateTimeOffset Now);

/// <summary>One decider's opinion, with the figures it saw.</summary>
public sealed record DeciderVote(string Decider, int? Desired, string Reason, IReadOnlyDictionary<string, double> Inputs);

/// <summary>The outcome: the value to converge to and why.</summary>
/// <remarks>
/// A decision made by <see cref="ConcurrencyDecider.Decide"/> keeps the figures its deciders saw and
/// writes its <see cref="Votes"/> and <see cref="Reason"/> from them when first read: most decisions
/// change nothing and are never shown, and formatting every one of them cost more than deciding.
/// The text is the same whenever it is read.
/// </remarks>
public sealed class ScalingDecision
{
    private readonly DecisionFacts? _facts;
    private IReadOnlyList<DeciderVote>? _votes;
    private string? _reason;

    public ScalingDecision(
        int current,
        int desired,
        int lower,
        int upper,
        IReadOnlyList<DeciderVote> votes,
        string reason,
        ScalingState nextState)
        : this(current, desired, lower, upper, nextState)
    {
        ArgumentNullException.ThrowIfNull(votes);
        ArgumentNullException.ThrowIfNull(reason);
        _votes = votes;
        _reason = reason;
    }

    internal ScalingDecision(int current, int desired, int lower, int upper, ScalingState nextState, DecisionFacts facts)
        : this(current, desired, lower, upper, nextState) =>
        _facts = facts;

    private ScalingDecision(int current, int desired, int lower, int upper, ScalingState nextState)
    {
        Current = current;
        Desired = desired;
        Lower = lower;
        Upper = upper;
        NextState = nextState;
    }

    public int Current { get; }

    public int Desired { get; }

    public int Lower { get; }

    public int Upper { get; }

    /// <summary>Each decider's opinion, in the order the deciders ran.</summary>
    public IReadOnlyList<DeciderVote> Votes =>
        _votes ?? Interlocked.CompareExchange(ref _votes, _facts!.Votes(Current), null) ?? _votes;

    /// <summary>Why <see cref="Desired"/>: the votes that won and every guard, bound and cap that moved it.</summary>
    public string Reason => _reason ??= _facts!.Reason(Current, Desired);

    public ScalingState NextState { get; }

    public bool Changes => Desired != Current;
}

/// <summary>
/// Decides provisioned concurrency: a pure function of (policy, observations, current state, now),
/// run by the agent's reconciler and by the simulator alike.
/// </summary>
public static class ConcurrencyDecider
{
    public const string TargetTracking = "target-tracking";
    public const string Burst = "burst";
    public const string Predictive = "predictive";
    public const string Schedule = "schedule";

    /// <summary>Cron expressions of schedules, parsed once per (immutable) bound rather than on every decision.</summary>
    private static readonly ConditionalWeakTable<ScheduledBound, CronSchedule?> Schedules = [];

    public static ScalingDecision Decide(ScalingInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var (policy, current, demand, state, limits, now) = inputs;
        var facts = new DecisionFacts(policy, state, limits);
        var next = state;

        if (policy.TargetTracking)
        {
            facts.Tracking = VoteTargetTracking(policy, demand, now);
        }

        if (policy.Burst)
        {
            facts.Burst = VoteBurst(policy, current, demand, state, now, out next);
        }

        if (policy.Predictive)
        {
            facts.Predictive = VotePredictive(policy, demand, now);
        }

        var (lower, upper) = Bounds(policy, now, facts);
        var wanted = facts.Wanted;
        var desired = wanted < 0 ? current : wanted;

        // Scale-in is the careful direction: not before a full window has been seen since start,
        // not within the delay after a scale-out, and never below what the longer window still needs.
        if (desired < current)
        {
            var observedFor = now - state.ObservingSince;
            if (observedFor < policy.StableWindow)
            {
                desired = current;
                facts.Guard = ScaleInGuard.TooShortObserved;
                facts.ObservedFor = observedFor;
            }
            else if (state.LastScaleOutAt is { } lastOut && now - lastOut < policy.ScaleInDelay)
            {
                desired = current;
                facts.Guard = ScaleInGuard.WithinDelay;
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
                        facts.Guard = ScaleInGuard.StillNeeded;
                        facts.ScaleInTo = desired;
                    }
                }
            }
        }

        var bounded = Math.Clamp(desired, lower, upper);
        if (bounded != desired)
        {
            facts.BoundedTo = bounded;
            desired = bounded;
        }

        var cap = limits.Cap;
        if (desired > cap)
        {
            facts.Capped = true;
            desired = cap;
        }

        if (desired > current)
        {
            next = next with { LastScaleOutAt = now };
        }

        return new ScalingDecision(current, desired, lower, Math.Min(upper, cap), next, facts);
    }

    private static TrackingFacts VoteTargetTracking(ConcurrencyPolicy policy, IDemandHistory demand, DateTimeOffset now)
    {
        var window = demand.Summarize(now - policy.StableWindow, now);
        if (!window.IsKnown)
        {
            return new TrackingFacts(window, null);
        }

        // Both the mean and the mean of per-second peaks: a function whose concurrency jumps within
        // each second needs its peaks covered, which a mean alone would miss.
        var byMean = Ceiling(window.MeanInFlight / policy.TargetUtilization);
        var byPeaks = Ceiling(window.MeanOfMaxInFlight / policy.TargetUtilization);
        return new TrackingFacts(window, Math.Max(byMean, byPeaks));
    }

    private static BurstFacts VoteBurst(
        ConcurrencyPolicy policy, int current, IDemandHistory demand, ScalingState state, DateTimeOffset now, out ScalingState next)
    {
        var window = demand.Summarize(now - policy.BurstWindow, now);
        var holding = state.BurstUntil is { } until && now < until;
        next = state;
        if (!window.IsKnown)
        {
            return holding
                ? new BurstFacts(BurstCase.HoldingUnobserved, window, 0, state.BurstLevel, default)
                : new BurstFacts(BurstCase.Unobserved, window, 0, null, default);
        }

        var need = Ceiling(window.MaxInFlight / policy.TargetUtilization);
        if (need >= policy.BurstThreshold * Math.Max(current, 1) && need > current)
        {
            var level = Math.Max(need, holding ? state.BurstLevel : 0);
            var holdUntil = now + policy.StableWindow;
            next = state with { BurstUntil = holdUntil, BurstLevel = level };
            return new BurstFacts(BurstCase.Burst, window, need, level, holdUntil);
        }

        if (holding)
        {
            return new BurstFacts(BurstCase.Holding, window, need, state.BurstLevel, default);
        }

        // No burst: forget any hold (keeping the state itself when it holds none, which is the same value).
        if (state.BurstUntil is not null || state.BurstLevel != 0)
        {
            next = state with { BurstUntil = null, BurstLevel = 0 };
        }

        return new BurstFacts(BurstCase.NoBurst, window, need, null, default);
    }

    private static PredictiveFacts VotePredictive(ConcurrencyPolicy policy, IDemandHistory demand, DateTimeOffset now)
    {
        var span = policy.PredictionLead + policy.StableWindow;
        var yesterday = demand.Summarize(now - TimeSpan.FromDays(1), now - TimeSpan.FromDays(1) + span);
        var lastWeek = demand.Summarize(now - TimeSpan.FromDays(7), now - TimeSpan.FromDays(7) + span);
        if (!yesterday.IsKnown && !lastWeek.IsKnown)
        {
            return new PredictiveFacts(null, 0, 0, 0);
        }

        // Scale what history says by how today compares with yesterday so far (within [0.5, 2]).
        var recent = demand.Summarize(now - TimeSpan.FromMinutes(15), now);
        var recentYesterday = demand.Summarize(now - TimeSpan.FromDays(1) - TimeSpan.FromMinutes(15), now - TimeSpan.FromDays(1));
        var trend = recent.IsKnown && recentYesterday.IsKnown && recentYesterday.MeanOfMaxInFlight > 0
            ? Math.Clamp(recent.MeanOfMaxInFlight / recentYesterday.MeanOfMaxInFlight, 0.5, 2.0)
            : 1.0;
        var expected = Math.Max(yesterday.MeanOfMaxInFlight, lastWeek.MeanOfMaxInFlight) * trend;
        var desired = Ceiling(expected / policy.TargetUtilization);
        return new PredictiveFacts(desired, yesterday.MeanOfMaxInFlight, lastWeek.MeanOfMaxInFlight, trend);
    }

    /// <summary>The policy's bounds now, narrowed by its active schedules (which <paramref name="facts"/> keeps for the schedule's vote).</summary>
    private static (int Lower, int Upper) Bounds(ConcurrencyPolicy policy, DateTimeOffset now, DecisionFacts facts)
    {
        var lower = policy.Min;
        var upper = policy.Max;
        foreach (var bound in policy.Schedules)
        {
            var schedule = Schedules.GetValue(bound, static b => CronSchedule.TryParse(b.Cron, b.TimeZone, out var parsed, out _, out _) ? parsed : null);
            if (schedule is null)
            {
                continue;
            }

            // Active when an occurrence fell within the last Duration.
            var occurrence = schedule.NextAfter(now - bound.Duration - TimeSpan.FromTicks(1));
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

                (facts.ActiveSchedules ??= []).Add((bound, start));
            }
        }

        // A ceiling wins over a floor: it is the cost limit someone set.
        lower = Math.Min(lower, upper);
        facts.Lower = lower;
        facts.Upper = upper;
        return (lower, upper);
    }

    internal static int Ceiling(double value) => value <= 0 ? 0 : (int)Math.Min(int.MaxValue, Math.Ceiling(value - 1e-9));
}
