namespace WarmKeeper.Core.Adaptive;

/// <summary>
/// Where a function's demand says its next arrival may come. The schedule asks it about spans it computes itself
/// (around a ping's due time), so it is a query rather than a figure gathered in advance.
/// </summary>
public interface IArrivalRhythm
{
    /// <summary>The start of the earliest window overlapping [<paramref name="fromMs"/>, <paramref name="toMs"/>] in which an arrival is predicted; null if none.</summary>
    /// <param name="fromMs">Start of the span of interest.</param>
    /// <param name="toMs">End of the span of interest.</param>
    /// <param name="rhythmOnly">Only a rhythm seen at least twice counts.</param>
    long? PredictedArrivalWithin(long fromMs, long toMs, bool rhythmOnly = false);
}

/// <summary>The fixed lengths a ping's timing is planned with.</summary>
/// <param name="PingDurationMs">How long a ping holds an environment.</param>
/// <param name="CollisionGuardMs">The margin kept between a ping and a predicted arrival.</param>
public readonly record struct PingSpacing(long PingDurationMs, long CollisionGuardMs);

/// <summary>A probe's timing, as a snapshot of the probing function's probe.</summary>
/// <param name="ShadowEndMs">When the shadow environment last ended; <see cref="long.MinValue"/> while the probe is not armed.</param>
/// <param name="GapMs">The idle gap under test; null when the estimator has none to test.</param>
/// <param name="HoldUntilMs">The probe waits until then (a user was expected while it would run).</param>
public readonly record struct ProbeTimes(long ShadowEndMs, long? GapMs, long HoldUntilMs)
{
    /// <summary>True once a shadow environment exists whose idle gap can be tested.</summary>
    public bool Armed => ShadowEndMs != long.MinValue;
}

/// <summary>What one function's ping schedule depends on at one instant.</summary>
/// <param name="NowMs">The instant.</param>
/// <param name="SafeGapMs">The longest idle gap proven survivable.</param>
/// <param name="LastEndMs">When the function's last activity (user or ping) ended; negative if never.</param>
/// <param name="LastFullPingMs">When the environments kept for the forecast were last all pinged.</param>
/// <param name="FullPingOwedByMs">A full ping is owed by then (environments retiring among many); <see cref="long.MaxValue"/> if none.</param>
/// <param name="PingRefusedAtMs">When a ping was last refused.</param>
/// <param name="Desired">How many environments to keep warm.</param>
/// <param name="Probe">The function's probe, if it is probing.</param>
/// <param name="CanAffordProbe">Whether the savings pay for a round of probing by this function.</param>
/// <param name="RewarmAtMs">When a released level's pre-warm window next opens; null if none.</param>
/// <param name="Rhythm">Where the function's next arrival is predicted.</param>
/// <param name="Spacing">The ping's length and the collision guard.</param>
public readonly record struct ScheduleInputs(
    long NowMs,
    long SafeGapMs,
    long LastEndMs,
    long LastFullPingMs,
    long FullPingOwedByMs,
    long PingRefusedAtMs,
    int Desired,
    ProbeTimes? Probe,
    bool CanAffordProbe,
    long? RewarmAtMs,
    IArrivalRhythm Rhythm,
    PingSpacing Spacing);

/// <summary>
/// When a function's pings are due: the keep-alive of its single environment, the full ping of the environments kept
/// for its forecast, and the next time the policy must look at it. Pure: the same inputs give the same times.
/// </summary>
public static class PingSchedule
{
    /// <summary>After a refused ping, look again no sooner than this (nor than a tenth of the safe gap).</summary>
    public const long RecheckAfterRefusalMs = 1_000;

    /// <summary>
    /// When the single warm environment needs its keep-alive: within the proven idle gap of the last activity, and
    /// earlier when the function's rhythm puts its next arrival around then (a ping holding the only environment
    /// when the user arrives would hand the user a cold start). Now, if the function has never been active.
    /// </summary>
    public static long KeepAliveDue(in ScheduleInputs inputs)
    {
        if (inputs.LastEndMs < 0)
        {
            return inputs.NowMs;
        }

        return EarlierOffPredictedArrival(inputs, inputs.LastEndMs + inputs.SafeGapMs, inputs.LastEndMs);
    }

    /// <summary>
    /// When the environments kept for a forecast peak need their next full ping: within the proven idle gap of the
    /// last one, and earlier off an arrival the function's rhythm predicts (a cron's fan-out meeting all its
    /// environments busy with our pings would start cold everywhere); no later than a full ping owed.
    /// </summary>
    public static long FullPingDue(in ScheduleInputs inputs)
    {
        var due = inputs.LastFullPingMs + inputs.SafeGapMs;
        return Math.Min(inputs.FullPingOwedByMs, EarlierOffPredictedArrival(inputs, due, inputs.LastFullPingMs));
    }

    /// <summary>
    /// When the policy must next look at the function: the earliest of its keep-alive, its full ping (when it keeps
    /// several warm), its probe (armed, or affordable to arm) and a pre-warm window opening; never now again, and after
    /// a refusal not in a tight loop.
    /// </summary>
    public static long NextCheck(in ScheduleInputs inputs)
    {
        var now = inputs.NowMs;
        var gap = inputs.SafeGapMs;
        var due = KeepAliveDue(inputs);
        if (inputs.Desired > 1)
        {
            due = Math.Min(due, FullPingDue(inputs));
        }

        if (inputs.Probe is { } probe && (probe.ShadowEndMs != long.MinValue || inputs.CanAffordProbe))
        {
            due = Math.Min(due, Math.Max(probe.HoldUntilMs, probe.ShadowEndMs == long.MinValue ? now : probe.ShadowEndMs + (probe.GapMs ?? gap)));
        }

        if (inputs.RewarmAtMs is { } rewarm)
        {
            due = Math.Min(due, rewarm);
        }

        // A ping refused (throttled, or no headroom left) changes nothing: look again a tenth of an idle timeout later, not in a tight loop.
        return Math.Max(due, now + (inputs.PingRefusedAtMs == now ? Math.Max(RecheckAfterRefusalMs, gap / 10) : 1));
    }

    /// <summary>Moves a ping due at <paramref name="dueMs"/> early, off an arrival predicted while it would run, if that is after <paramref name="notBeforeMs"/>.</summary>
    private static long EarlierOffPredictedArrival(in ScheduleInputs inputs, long dueMs, long notBeforeMs)
    {
        var (pingDurationMs, guardMs) = (inputs.Spacing.PingDurationMs, inputs.Spacing.CollisionGuardMs);
        if (inputs.Rhythm.PredictedArrivalWithin(dueMs - guardMs, dueMs + pingDurationMs + guardMs) is { } arrival)
        {
            // Pinging early is always safe (the environments' idle clocks restart sooner); pinging into the arrival is not.
            var early = arrival - guardMs - pingDurationMs;
            if (early > notBeforeMs)
            {
                return early;
            }
        }

        return dueMs;
    }
}
