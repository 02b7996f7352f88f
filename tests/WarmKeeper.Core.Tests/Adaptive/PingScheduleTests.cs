using WarmKeeper.Core.Adaptive;

namespace WarmKeeper.Core.Tests.Adaptive;

public sealed class PingScheduleTests
{
    private static readonly PingSpacing Spacing = new(PingDurationMs: 100, CollisionGuardMs: 2_000);

    /// <summary>An arrival predicted at a fixed instant, whatever span is asked about that contains it.</summary>
    private sealed class ArrivalAt(long? atMs) : IArrivalRhythm
    {
        public List<(long From, long To)> Asked { get; } = [];

        public long? PredictedArrivalWithin(long fromMs, long toMs, bool rhythmOnly = false)
        {
            Asked.Add((fromMs, toMs));
            return atMs is { } at && at >= fromMs && at <= toMs ? at : null;
        }
    }

    private static ScheduleInputs Inputs(
        long now = 100_000,
        long safeGap = 300_000,
        long lastEnd = 50_000,
        long lastFullPing = 40_000,
        long owedBy = long.MaxValue,
        long refusedAt = -1,
        int desired = 1,
        ProbeTimes? probe = null,
        bool canAffordProbe = false,
        long? rewarm = null,
        IArrivalRhythm? rhythm = null) =>
        new(now, safeGap, lastEnd, lastFullPing, owedBy, refusedAt, desired, probe, canAffordProbe, rewarm, rhythm ?? new ArrivalAt(null), Spacing);

    [Fact]
    public void A_keep_alive_is_due_a_safe_gap_after_the_last_activity_and_at_once_for_a_function_never_active()
    {
        Assert.Equal(350_000, PingSchedule.KeepAliveDue(Inputs(lastEnd: 50_000, safeGap: 300_000)));
        Assert.Equal(100_000, PingSchedule.KeepAliveDue(Inputs(now: 100_000, lastEnd: -1)));
    }

    [Fact]
    public void A_keep_alive_moves_early_off_a_predicted_arrival_by_the_guard_and_a_pings_length()
    {
        var rhythm = new ArrivalAt(351_000);

        var due = PingSchedule.KeepAliveDue(Inputs(lastEnd: 50_000, safeGap: 300_000, rhythm: rhythm));

        Assert.Equal(351_000 - 2_000 - 100, due);
        Assert.Equal([(348_000, 352_100)], rhythm.Asked);
    }

    [Fact]
    public void A_keep_alive_is_not_moved_to_before_the_activity_it_follows()
    {
        // Moving early would put the ping before the last activity ended: it stays due at the safe gap.
        var due = PingSchedule.KeepAliveDue(Inputs(lastEnd: 50_000, safeGap: 1_000, rhythm: new ArrivalAt(52_000)));

        Assert.Equal(51_000, due);
    }

    [Fact]
    public void A_full_ping_is_due_a_safe_gap_after_the_last_and_no_later_than_one_owed()
    {
        Assert.Equal(340_000, PingSchedule.FullPingDue(Inputs(lastFullPing: 40_000)));
        Assert.Equal(200_000, PingSchedule.FullPingDue(Inputs(lastFullPing: 40_000, owedBy: 200_000)));
        Assert.Equal(339_000 - 2_100, PingSchedule.FullPingDue(Inputs(lastFullPing: 40_000, rhythm: new ArrivalAt(339_000))));
    }

    [Fact]
    public void The_next_check_is_the_keep_alive_for_one_warm_and_the_earlier_full_ping_for_several()
    {
        Assert.Equal(350_000, PingSchedule.NextCheck(Inputs(lastEnd: 50_000, lastFullPing: 40_000, desired: 1)));
        Assert.Equal(340_000, PingSchedule.NextCheck(Inputs(lastEnd: 50_000, lastFullPing: 40_000, desired: 3)));
    }

    [Fact]
    public void An_armed_probe_is_checked_when_its_gap_has_passed_or_its_hold_ends_whichever_is_later()
    {
        var armed = new ProbeTimes(ShadowEndMs: 60_000, GapMs: 120_000, HoldUntilMs: long.MinValue);
        Assert.Equal(180_000, PingSchedule.NextCheck(Inputs(probe: armed)));

        var held = armed with { HoldUntilMs = 200_000 };
        Assert.Equal(200_000, PingSchedule.NextCheck(Inputs(probe: held)));

        // No gap left to test: the safe gap stands in for it.
        var noGap = armed with { GapMs = null };
        Assert.Equal(350_000, PingSchedule.NextCheck(Inputs(probe: noGap)));
    }

    [Fact]
    public void An_unarmed_probe_is_checked_at_once_only_when_the_savings_pay_for_arming_it()
    {
        var unarmed = new ProbeTimes(long.MinValue, GapMs: null, HoldUntilMs: long.MinValue);

        Assert.Equal(350_000, PingSchedule.NextCheck(Inputs(probe: unarmed, canAffordProbe: false)));
        Assert.Equal(100_001, PingSchedule.NextCheck(Inputs(probe: unarmed, canAffordProbe: true)));
    }

    [Fact]
    public void A_pre_warm_window_opening_earlier_brings_the_check_forward()
    {
        Assert.Equal(150_000, PingSchedule.NextCheck(Inputs(rewarm: 150_000)));
    }

    [Fact]
    public void The_next_check_is_never_now_and_after_a_refusal_waits_a_tenth_of_the_safe_gap()
    {
        Assert.Equal(100_001, PingSchedule.NextCheck(Inputs(now: 100_000, lastEnd: -1)));
        Assert.Equal(130_000, PingSchedule.NextCheck(Inputs(now: 100_000, lastEnd: -1, refusedAt: 100_000)));
        Assert.Equal(100_000 + PingSchedule.RecheckAfterRefusalMs, PingSchedule.NextCheck(Inputs(now: 100_000, lastEnd: -1, safeGap: 5_000, refusedAt: 100_000)));
    }
}
