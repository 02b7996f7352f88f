using CsCheck;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Scaling;

namespace WarmKeeper.Core.Tests.Scaling;

/// <summary>The autoscaler's invariants over random policies, demand, state and limits.</summary>
public sealed class ConcurrencyDeciderPropertyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private sealed record Case(ScalingInputs Inputs, int Cap);

    /// <summary>Demand that answers every window from one random summary (scaled by window length), or nothing.</summary>
    private sealed class RandomDemand(DemandSummary summary) : IDemandHistory
    {
        public DemandSummary Summarize(DateTimeOffset from, DateTimeOffset to) =>
            to <= from || !summary.IsKnown ? DemandSummary.None : summary with { Covered = to - from };
    }

    /// <summary>Policies of target tracking and burst (at least one of them), without schedules.</summary>
    internal static readonly Gen<ConcurrencyPolicy> GenPolicy =
        from min in Gen.Int[0, 50]
        from extra in Gen.Int[0, 200]
        from target in Gen.Double[0.1, 0.9]
        from delaySeconds in Gen.Int[0, 1800]
        from stableSeconds in Gen.Int[10, 600]
        from burstSeconds in Gen.Int[1, 9]
        from threshold in Gen.Double[1, 5]
        from tracking in Gen.Bool
        from burst in Gen.Bool
        select new ConcurrencyPolicy
        {
            Id = "p",
            Target = "local",
            Function = "f",
            Qualifier = "live",
            Min = min,
            Max = min + extra,
            TargetUtilization = target,
            ScaleInDelay = TimeSpan.FromSeconds(delaySeconds),
            StableWindow = TimeSpan.FromSeconds(stableSeconds),
            BurstWindow = TimeSpan.FromSeconds(burstSeconds),
            BurstThreshold = threshold,
            TargetTracking = tracking,
            Burst = burst || !tracking,
        };

    private static readonly Gen<DemandSummary> GenDemand =
        from known in Gen.Bool
        from max in Gen.Int[0, 2000]
        from mean in Gen.Double[0, 1]
        from meanOfMax in Gen.Double[0, 1]
        select known ? new DemandSummary(TimeSpan.FromSeconds(1), max, max * mean, max * Math.Max(mean, meanOfMax), max, 0, 0) : DemandSummary.None;

    private static readonly Gen<Case> GenCase =
        from policy in GenPolicy
        from demand in GenDemand
        from current in Gen.Int[0, 400]
        from observedSeconds in Gen.Int[0, 3600]
        from sinceScaleOut in Gen.Int[-1, 3600]
        from burstHold in Gen.Int[-1, 120]
        from burstLevel in Gen.Int[0, 500]
        from reserved in Gen.Int[-1, 600]
        from unreserved in Gen.Int[0, 1000]
        from floor in Gen.Int[0, 200]
        let limits = new CapacityLimits(reserved < 0 ? null : reserved, unreserved, floor)
        let state = new ScalingState(
            Now - TimeSpan.FromSeconds(observedSeconds),
            sinceScaleOut < 0 ? null : Now - TimeSpan.FromSeconds(sinceScaleOut),
            burstHold < 0 ? null : Now + TimeSpan.FromSeconds(burstHold),
            burstLevel)
        select new Case(new ScalingInputs(policy, current, new RandomDemand(demand), state, limits, Now), limits.Cap);

    [Fact]
    public void Desired_stays_within_min_and_max_and_never_above_the_cap() =>
        GenCase.Sample(c =>
        {
            var d = ConcurrencyDecider.Decide(c.Inputs);
            var p = c.Inputs.Policy;
            return d.Desired <= p.Max
                   && d.Desired <= c.Cap
                   && d.Desired >= Math.Min(p.Min, c.Cap)
                   && d.Desired >= 0;
        }, iter: 20_000);

    [Fact]
    public void Reserved_concurrency_and_the_unreserved_floor_are_never_broken() =>
        GenCase.Sample(c =>
        {
            var d = ConcurrencyDecider.Decide(c.Inputs);
            var limits = c.Inputs.Limits;
            return limits.ReservedConcurrency is { } reserved
                ? d.Desired <= reserved
                : d.Desired <= Math.Max(0, limits.UnreservedConcurrency - limits.UnreservedFloor);
        }, iter: 20_000);

    [Fact]
    public void No_scale_in_before_a_full_window_after_start_or_within_the_delay()
    {
        GenCase.Sample(c =>
        {
            var (policy, current, _, state, _, now) = c.Inputs;
            var d = ConcurrencyDecider.Decide(c.Inputs);
            var guarded = now - state.ObservingSince < policy.StableWindow
                          || (state.LastScaleOutAt is { } last && now - last < policy.ScaleInDelay);
            // Only the bounds and the cap may force a value below current while guarded.
            var forced = Math.Min(current, Math.Min(policy.Max, c.Cap));
            return !guarded || d.Desired >= forced;
        }, iter: 20_000);
    }

    [Fact]
    public void Scaling_out_starts_the_scale_in_delay_and_every_decision_explains_itself() =>
        GenCase.Sample(c =>
        {
            var d = ConcurrencyDecider.Decide(c.Inputs);
            var startsDelay = d.Desired <= c.Inputs.Current || d.NextState.LastScaleOutAt == c.Inputs.Now;
            return startsDelay && d.Reason.Length > 0 && d.Reason.Contains(d.Desired.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }, iter: 5_000);
}
