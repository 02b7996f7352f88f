using System.Globalization;

namespace WarmKeeper.Core.Adaptive;

/// <summary>What a check of one function may decide.</summary>
public enum PingAction
{
    /// <summary>Nothing is due.</summary>
    None,

    /// <summary>A ping is due but users (or our pings) hold the environments: look again when the function is idle.</summary>
    WaitForIdle,

    /// <summary>Ping two environments: arm a probe (start its shadow) or test the shadow's idle gap.</summary>
    Probe,

    /// <summary>Ping every environment the forecast keeps warm that users do not hold.</summary>
    FullPing,

    /// <summary>Ping the single warm environment.</summary>
    KeepAlive,
}

/// <summary>Why a ping was sent or held back, in the terms its figures were decided in.</summary>
public enum PingCause
{
    /// <summary>No keep-alive, full ping or probe is due.</summary>
    NothingDue,

    /// <summary>A probe is due, but the function is busy: a probe must find it idle.</summary>
    ProbeWaitsForIdle,

    /// <summary>A keep-alive is due, but a running invocation keeps its environment anyway.</summary>
    KeepAliveWaitsForIdle,

    /// <summary>Start a second, shadow environment whose idle gap a later probe tests.</summary>
    ArmProbe,

    /// <summary>Test whether the shadow environment survived <see cref="PingReason.ShadowGapMs"/> idle.</summary>
    Probe,

    /// <summary>Keep <see cref="PingReason.Desired"/> environments warm, as forecast.</summary>
    KeepForecast,

    /// <summary>Keep the single environment warm within the proven idle gap.</summary>
    KeepAlive,

    /// <summary>Start a successor before a lone environment reaches the platform's lifetime.</summary>
    Handover,

    /// <summary>Replace environments reaching the platform's lifetime.</summary>
    Renewal,
}

/// <summary>
/// The reason for a ping decision, with the figures it was decided on, so that it can be said in words (a warm-up's
/// reason, an event) or asserted on directly.
/// </summary>
/// <param name="Cause">What made the decision.</param>
/// <param name="SafeGapMs">The longest idle gap proven survivable when it was made.</param>
/// <param name="Desired">How many environments the forecast keeps warm.</param>
/// <param name="Users">How many invocations held environments.</param>
/// <param name="ShadowGapMs">For a probe, how long its shadow has been idle.</param>
/// <param name="ProbeHeld">A probe due was held back: a user is expected while it would run.</param>
public sealed record PingReason(PingCause Cause, long SafeGapMs, int Desired, int Users, long ShadowGapMs = 0, bool ProbeHeld = false)
{
    /// <summary>The reason in words, as the warm-up planner records it.</summary>
    public string Describe() => Cause switch
    {
        PingCause.ArmProbe => "adaptive: arm an idle-timeout probe (a second, shadow environment)",
        PingCause.Probe => string.Create(CultureInfo.InvariantCulture, $"adaptive: probe the idle timeout at {ShadowGapMs / 1000.0:0.#} s"),
        PingCause.KeepForecast => string.Create(CultureInfo.InvariantCulture, $"adaptive: keep {Desired} warm (forecast), idle timeout proven above {SafeGapMs / 1000.0:0.#} s"),
        PingCause.KeepAlive => string.Create(CultureInfo.InvariantCulture, $"adaptive: keep-alive, idle timeout proven above {SafeGapMs / 1000.0:0.#} s"),
        PingCause.Handover => "adaptive: hand over to a successor before the environment reaches the platform's lifetime",
        PingCause.Renewal => "adaptive: replace environments reaching the platform's lifetime before a user meets them",
        PingCause.ProbeWaitsForIdle => "adaptive: probe due, waiting for the function to be idle",
        PingCause.KeepAliveWaitsForIdle => "adaptive: keep-alive due, a running invocation keeps the environment",
        _ => "adaptive: nothing due",
    };
}

/// <summary>A check's decision: what to do, how many to ping, and why.</summary>
/// <param name="Action">What to do.</param>
/// <param name="FanOut">How many environments to ping (zero or less: none, users hold them all).</param>
/// <param name="Reason">Why.</param>
/// <param name="HoldProbeUntilMs">When set, the probe is to wait until then (a user is expected while it would run).</param>
public sealed record PingDecision(PingAction Action, int FanOut, PingReason Reason, long? HoldProbeUntilMs = null);

/// <summary>What a check of one function decides on.</summary>
/// <param name="Schedule">Its ping timing (keep-alive, full ping, probe).</param>
/// <param name="Users">Invocations in flight.</param>
/// <param name="PingsInFlight">Our pings in flight.</param>
/// <param name="LastPingedLevel">How many environments the last full ping kept warm.</param>
/// <param name="InitMs">The function's init: how long a cold ping of ours holds an environment at worst.</param>
public readonly record struct CheckInputs(ScheduleInputs Schedule, int Users, int PingsInFlight, int LastPingedLevel, long InitMs);

/// <summary>What decides how many environments of a function to keep warm.</summary>
/// <param name="Forecast">How many the forecast keeps warm now.</param>
/// <param name="Peak">The highest concurrency seen.</param>
/// <param name="PingUsd">The price of one ping of the function.</param>
/// <param name="InitUsd">The price of one cold start of the function.</param>
/// <param name="PingDurationMs">How long a ping holds an environment.</param>
/// <param name="SafeGapMs">The longest idle gap proven survivable.</param>
/// <param name="SpendableUsd">The savings beyond the reserve, which may pay for extras.</param>
public readonly record struct WarmthInputs(int Forecast, int Peak, double PingUsd, double InitUsd, long PingDurationMs, long SafeGapMs, double SpendableUsd);

/// <summary>
/// Decides a check of one function: a probe when one is due and the function idle, else a full ping of the forecast's
/// environments when one is due or the forecast rose, else a keep-alive when due. Pure: the policy applies the decision.
/// </summary>
public static class PingDecider
{
    /// <summary>How long a probe waits when a user is expected while it would run.</summary>
    public const long ProbeHoldMs = 5_000;

    /// <summary>Extra levels are held warm only while the savings pay for their pings over this many safe gaps.</summary>
    public const int PeakHoldGaps = 12;

    /// <summary>
    /// How many environments to keep warm: the forecast's, or the highest concurrency seen while the savings account
    /// (above its reserve) pays for the extra levels' pings over an idle timeout. Where the timeout is long, keeping
    /// the peak warm costs less than the plain warmer would have, so the savings buy fewer cold starts; where it is
    /// 5 minutes there is nothing to spend and the forecast decides alone.
    /// </summary>
    public static int DesiredWarm(in WarmthInputs inputs)
    {
        var (forecast, peak) = (inputs.Forecast, inputs.Peak);
        if (peak <= forecast)
        {
            return forecast;
        }

        var extraPerGap = (peak - forecast) * (inputs.PingUsd + (inputs.InitUsd * inputs.PingDurationMs / Math.Max(1.0, inputs.SafeGapMs)));
        return inputs.SpendableUsd >= extraPerGap * PeakHoldGaps ? peak : forecast;
    }

    /// <summary>Decides the check.</summary>
    public static PingDecision Decide(in CheckInputs inputs)
    {
        var schedule = inputs.Schedule;
        var now = schedule.NowMs;
        var desired = schedule.Desired;
        var users = inputs.Users;
        var busy = users + inputs.PingsInFlight > 0;
        var probeDue = schedule.Probe is { } probe && ProbeDue(probe, schedule);
        long? hold = null;
        if (probeDue && !busy && ArrivalExpectedDuringPing(inputs))
        {
            // A deferrable probe waits, so that it never hands a user a cold start; held, it is not due now.
            hold = now + ProbeHoldMs;
            probeDue = false;
        }

        var reason = new PingReason(PingCause.NothingDue, schedule.SafeGapMs, desired, users, ProbeHeld: hold is not null);
        if (probeDue)
        {
            if (busy)
            {
                return new PingDecision(PingAction.WaitForIdle, 0, reason with { Cause = PingCause.ProbeWaitsForIdle }, hold);
            }

            var armed = schedule.Probe!.Value.Armed;
            var shadowGap = armed ? now - schedule.Probe!.Value.ShadowEndMs : 0;
            return new PingDecision(PingAction.Probe, 2, reason with { Cause = armed ? PingCause.Probe : PingCause.ArmProbe, ShadowGapMs = shadowGap }, hold);
        }

        if (desired > 1 && (now >= PingSchedule.FullPingDue(schedule) || desired > inputs.LastPingedLevel))
        {
            return new PingDecision(PingAction.FullPing, desired - users, reason with { Cause = PingCause.KeepForecast }, hold);
        }

        if (now >= PingSchedule.KeepAliveDue(schedule))
        {
            // A running invocation keeps its environment; look again when the function is idle.
            return busy
                ? new PingDecision(PingAction.WaitForIdle, 0, reason with { Cause = PingCause.KeepAliveWaitsForIdle }, hold)
                : new PingDecision(PingAction.KeepAlive, 1, reason with { Cause = PingCause.KeepAlive }, hold);
        }

        return new PingDecision(PingAction.None, 0, reason, hold);
    }

    /// <summary>An armed probe is due once its shadow has idled for the gap under test; arming waits until the savings pay for a round.</summary>
    public static bool ProbeDue(ProbeTimes probe, in ScheduleInputs schedule) =>
        schedule.NowMs >= probe.HoldUntilMs
        && (probe.ShadowEndMs == long.MinValue
            ? schedule.CanAffordProbe
            : probe.GapMs is { } gap && schedule.NowMs >= probe.ShadowEndMs + gap);

    /// <summary>
    /// True when the function's rhythm puts a user's arrival within the time a ping of ours (cold, at worst) would hold
    /// its environments from now.
    /// </summary>
    private static bool ArrivalExpectedDuringPing(in CheckInputs inputs)
    {
        var schedule = inputs.Schedule;
        var now = schedule.NowMs;
        return schedule.Rhythm.PredictedArrivalWithin(now, now + inputs.InitMs + schedule.Spacing.PingDurationMs + schedule.Spacing.CollisionGuardMs) is not null;
    }
}
