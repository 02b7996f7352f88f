using WarmKeeper.Core.Adaptive;

namespace WarmKeeper.Core.Tests.Adaptive;

public sealed class PingDeciderTests
{
    private static readonly PingSpacing Spacing = new(PingDurationMs: 100, CollisionGuardMs: 2_000);

    private sealed class ArrivalAt(long? atMs) : IArrivalRhythm
    {
        public long? PredictedArrivalWithin(long fromMs, long toMs, bool rhythmOnly = false) =>
            atMs is { } at && at >= fromMs && at <= toMs ? at : null;
    }

    private static readonly ProbeTimes Unarmed = new(long.MinValue, GapMs: null, HoldUntilMs: long.MinValue);

    /// <summary>At 400 s, with the last activity at 50 s and 300 s proven safe: a keep-alive is due.</summary>
    private static CheckInputs Inputs(
        long now = 400_000,
        long lastEnd = 50_000,
        long lastFullPing = 390_000,
        int desired = 1,
        int users = 0,
        int pingsInFlight = 0,
        int lastPingedLevel = 1,
        ProbeTimes? probe = null,
        bool canAffordProbe = false,
        long? arrivalAt = null) =>
        new(new ScheduleInputs(now, 300_000, lastEnd, lastFullPing, long.MaxValue, -1, desired, probe, canAffordProbe, null, new ArrivalAt(arrivalAt), Spacing),
            users, pingsInFlight, lastPingedLevel, InitMs: 1_000);

    [Fact]
    public void A_due_keep_alive_pings_one_environment_and_says_the_proven_gap()
    {
        var decision = PingDecider.Decide(Inputs());

        Assert.Equal(PingAction.KeepAlive, decision.Action);
        Assert.Equal(1, decision.FanOut);
        Assert.Equal(PingCause.KeepAlive, decision.Reason.Cause);
        Assert.Equal("adaptive: keep-alive, idle timeout proven above 300 s", decision.Reason.Describe());
    }

    [Fact]
    public void A_keep_alive_due_while_an_invocation_runs_waits_for_the_function_to_be_idle()
    {
        var decision = PingDecider.Decide(Inputs(users: 1));

        Assert.Equal(PingAction.WaitForIdle, decision.Action);
        Assert.Equal(PingCause.KeepAliveWaitsForIdle, decision.Reason.Cause);
    }

    [Fact]
    public void Nothing_is_due_within_the_safe_gap()
    {
        var decision = PingDecider.Decide(Inputs(lastEnd: 200_000));

        Assert.Equal(PingAction.None, decision.Action);
        Assert.Equal(PingCause.NothingDue, decision.Reason.Cause);
    }

    [Fact]
    public void A_forecast_rising_above_the_last_pinged_level_pings_the_environments_users_do_not_hold()
    {
        var decision = PingDecider.Decide(Inputs(lastEnd: 390_000, desired: 3, users: 1, lastPingedLevel: 2));

        Assert.Equal(PingAction.FullPing, decision.Action);
        Assert.Equal(2, decision.FanOut);
        Assert.Equal(new PingReason(PingCause.KeepForecast, 300_000, Desired: 3, Users: 1), decision.Reason);
        Assert.Equal("adaptive: keep 3 warm (forecast), idle timeout proven above 300 s", decision.Reason.Describe());
    }

    [Fact]
    public void A_full_ping_due_when_users_hold_every_environment_pings_none_but_is_still_the_decision()
    {
        var decision = PingDecider.Decide(Inputs(lastFullPing: 50_000, desired: 3, users: 3, lastPingedLevel: 3));

        Assert.Equal(PingAction.FullPing, decision.Action);
        Assert.Equal(0, decision.FanOut);
    }

    [Fact]
    public void An_affordable_probe_arms_its_shadow_with_two_pings_before_any_keep_alive()
    {
        var decision = PingDecider.Decide(Inputs(probe: Unarmed, canAffordProbe: true));

        Assert.Equal(PingAction.Probe, decision.Action);
        Assert.Equal(2, decision.FanOut);
        Assert.Equal(PingCause.ArmProbe, decision.Reason.Cause);
    }

    [Fact]
    public void An_unaffordable_probe_leaves_the_keep_alive_to_decide()
    {
        var decision = PingDecider.Decide(Inputs(probe: Unarmed, canAffordProbe: false));

        Assert.Equal(PingAction.KeepAlive, decision.Action);
    }

    [Fact]
    public void An_armed_probe_tests_its_shadow_once_the_gap_under_test_has_passed_and_says_the_gap()
    {
        var armed = new ProbeTimes(ShadowEndMs: 100_000, GapMs: 250_000, HoldUntilMs: long.MinValue);

        var decision = PingDecider.Decide(Inputs(lastEnd: 390_000, probe: armed));

        Assert.Equal(PingAction.Probe, decision.Action);
        Assert.Equal(300_000, decision.Reason.ShadowGapMs);
        Assert.Equal("adaptive: probe the idle timeout at 300 s", decision.Reason.Describe());
    }

    [Fact]
    public void A_probe_due_while_the_function_is_busy_waits_for_it_to_be_idle()
    {
        var decision = PingDecider.Decide(Inputs(probe: Unarmed, canAffordProbe: true, pingsInFlight: 1));

        Assert.Equal(PingAction.WaitForIdle, decision.Action);
        Assert.Equal(PingCause.ProbeWaitsForIdle, decision.Reason.Cause);
        Assert.Null(decision.HoldProbeUntilMs);
    }

    [Fact]
    public void A_probe_due_when_a_user_is_expected_during_its_cold_ping_is_held_and_the_keep_alive_decides()
    {
        // A user predicted within init + ping + guard (3.1 s) of now: the probe waits 5 s.
        var decision = PingDecider.Decide(Inputs(probe: Unarmed, canAffordProbe: true, arrivalAt: 402_000));

        Assert.Equal(400_000 + PingDecider.ProbeHoldMs, decision.HoldProbeUntilMs);
        Assert.True(decision.Reason.ProbeHeld);
        Assert.Equal(PingAction.KeepAlive, decision.Action);
    }

    [Fact]
    public void A_held_probe_is_not_due_until_its_hold_ends()
    {
        var held = Unarmed with { HoldUntilMs = 400_001 };

        Assert.False(PingDecider.ProbeDue(held, Inputs(probe: held, canAffordProbe: true).Schedule));
        Assert.True(PingDecider.ProbeDue(held, Inputs(now: 400_001, probe: held, canAffordProbe: true).Schedule));
    }

    [Fact]
    public void The_forecast_decides_how_many_to_keep_warm_unless_the_savings_pay_to_hold_the_peak()
    {
        // Two extra levels, each a ping (1) plus a tenth of a cold start (10 * 100 / 1000) per safe gap, over 12 gaps: 48.
        var inputs = new WarmthInputs(Forecast: 2, Peak: 4, PingUsd: 1.0, InitUsd: 10.0, PingDurationMs: 100, SafeGapMs: 1_000, SpendableUsd: 47.9);

        Assert.Equal(2, PingDecider.DesiredWarm(inputs));
        Assert.Equal(4, PingDecider.DesiredWarm(inputs with { SpendableUsd = 48.0 }));
        Assert.Equal(3, PingDecider.DesiredWarm(inputs with { Forecast = 3, Peak = 3, SpendableUsd = 0 }));
    }
}
