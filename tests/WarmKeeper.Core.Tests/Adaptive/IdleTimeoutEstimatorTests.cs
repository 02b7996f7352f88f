using WarmKeeper.Core.Adaptive;

namespace WarmKeeper.Core.Tests.Adaptive;

public sealed class IdleTimeoutEstimatorTests
{
    private static readonly AdaptiveOptions Options = new();

    [Fact]
    public void Before_any_evidence_the_safe_gap_is_the_default_and_probing_starts_above_it()
    {
        var estimator = new IdleTimeoutEstimator(Options);

        Assert.Null(estimator.LowerMs);
        Assert.Equal(Options.DefaultIdleTimeoutMs, estimator.SafeGapMs);
        Assert.False(estimator.Converged);
        Assert.True(estimator.NextProbeGapMs(0, 2) > Options.DefaultIdleTimeoutMs);
    }

    [Fact]
    public void A_survived_gap_is_proof_and_the_safe_gap_never_exceeds_what_was_proven()
    {
        var estimator = new IdleTimeoutEstimator(Options);
        estimator.ObserveSurvived(600_000);
        estimator.ObserveSurvived(400_000);

        Assert.Equal(600_000, estimator.LowerMs);
        Assert.Equal(600_000, estimator.SafeGapMs);

        // An upper bound does not move the safe gap above the proof, and bisects the bracket.
        estimator.ObserveExpired(900_000);
        Assert.Equal(600_000, estimator.SafeGapMs);
        var probes = new[] { estimator.NextProbeGapMs(0, 2)!.Value, estimator.NextProbeGapMs(1, 2)!.Value };
        Assert.All(probes, p => Assert.InRange(p, 600_001, 899_999));
        Assert.NotEqual(probes[0], probes[1]);
    }

    [Fact]
    public void Probing_stops_once_the_bracket_is_tight()
    {
        var estimator = new IdleTimeoutEstimator(Options);
        estimator.ObserveSurvived(595_000);
        estimator.ObserveExpired(600_000);

        Assert.True(estimator.Converged);
        Assert.Null(estimator.NextProbeGapMs(0, 2));
    }

    [Fact]
    public void An_expiry_below_the_proof_is_ignored_and_a_survival_above_an_upper_bound_drops_it()
    {
        var estimator = new IdleTimeoutEstimator(Options);
        estimator.ObserveSurvived(600_000);
        estimator.ObserveExpired(500_000);
        Assert.Null(estimator.UpperMs);

        estimator.ObserveExpired(700_000);
        estimator.ObserveSurvived(800_000);
        Assert.Null(estimator.UpperMs);
        Assert.Equal(800_000, estimator.LowerMs);
    }

    [Fact]
    public void With_only_an_upper_bound_below_the_default_the_safe_gap_shrinks_under_it()
    {
        var estimator = new IdleTimeoutEstimator(Options);
        estimator.ObserveExpired(120_000);

        Assert.True(estimator.SafeGapMs < 120_000);
    }

    [Fact]
    public void A_tiny_proven_gap_under_a_wide_bracket_does_not_collapse_the_spacing()
    {
        // Found by a random trace: a warm start 1 ms after the previous one, then a cold keep-alive after 60 s. Spacing
        // keep-alives by the 1 ms proof pinged every millisecond for the rest of the day and never finished.
        var estimator = new IdleTimeoutEstimator(Options);
        estimator.ObserveSurvived(1);
        estimator.ObserveExpired(60_000);

        Assert.Equal(30_000, estimator.SafeGapMs);

        // A cold ping at half the bracket tightens it from above; the bisection goes on.
        estimator.ObserveExpired(30_000);
        Assert.Equal(15_000, estimator.SafeGapMs);

        // Proof above half the upper bound is used as is.
        estimator.ObserveSurvived(20_000);
        Assert.Equal(20_000, estimator.SafeGapMs);
    }

    [Fact]
    public void Keep_alives_are_never_spaced_closer_than_the_floor()
    {
        var estimator = new IdleTimeoutEstimator(Options with { MinKeepAliveGapMs = 10_000 });
        estimator.ObserveSurvived(1);
        estimator.ObserveExpired(4_000);

        Assert.Equal(10_000, estimator.SafeGapMs);
    }
}
