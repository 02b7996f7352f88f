namespace WarmKeeper.Core.Adaptive;

/// <summary>What a renewal (environments reaching the platform's lifetime) may decide.</summary>
public enum RenewalAction
{
    /// <summary>The renewal is no longer planned (a newer birth moved it later): nothing to do.</summary>
    Stale,

    /// <summary>No handover now: look again at the end of life.</summary>
    Defer,

    /// <summary>Ping the old environment and start its successor (one extra ping), before the end of life.</summary>
    Handover,

    /// <summary>A few of many retire: the next full ping replaces them, owed by <see cref="RenewalDecision.FullPingOwedByMs"/>.</summary>
    OweFullPing,

    /// <summary>Users (or our pings) hold the environments: replace them when the function is idle.</summary>
    WaitForIdle,

    /// <summary>Ping now at the end of life, starting the successors.</summary>
    Replace,
}

/// <summary>Why a renewal was decided as it was.</summary>
public enum RenewalCause
{
    /// <summary>Not planned any more.</summary>
    NotPlanned,

    /// <summary>Before the end of life, the function is busy.</summary>
    Busy,

    /// <summary>Before the end of life, the function is probing (a handover would spoil the probe).</summary>
    Probing,

    /// <summary>Before the end of life, several environments are kept: a handover is for a lone one.</summary>
    KeepsSeveral,

    /// <summary>Before the end of life, no user is expected during a plain replacement and the savings do not pay for the extra ping.</summary>
    NotWorthIt,

    /// <summary>A user is expected while a plain replacement would still be starting: worth the extra ping even unpaid.</summary>
    UserExpected,

    /// <summary>The savings beyond the reserve pay for the extra ping.</summary>
    Paid,

    /// <summary>At the end of life, fewer than half of the environments kept retire.</summary>
    FewOfMany,

    /// <summary>At the end of life.</summary>
    EndOfLife,
}

/// <summary>What a renewal decides on.</summary>
/// <param name="NowMs">The instant.</param>
/// <param name="RenewalMs">The end of life being renewed.</param>
/// <param name="Planned">Whether that renewal is still planned.</param>
/// <param name="Busy">Users or our pings hold environments.</param>
/// <param name="Probing">The function is probing.</param>
/// <param name="Desired">How many environments to keep warm.</param>
/// <param name="Retiring">How many environments reach their end of life at <paramref name="RenewalMs"/>.</param>
/// <param name="UserDuringReplacement">A user is expected (by rhythm) while a plain replacement would still be starting.</param>
/// <param name="CanAffordHandover">The savings beyond the reserve pay for a handover's extra ping.</param>
/// <param name="FullPingOwedByMs">A full ping already owed by then; <see cref="long.MaxValue"/> if none.</param>
public readonly record struct RenewalInputs(
    long NowMs,
    long RenewalMs,
    bool Planned,
    bool Busy,
    bool Probing,
    int Desired,
    int Retiring,
    bool UserDuringReplacement,
    bool CanAffordHandover,
    long FullPingOwedByMs);

/// <summary>A renewal's decision and why.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Cause">Why.</param>
/// <param name="FullPingOwedByMs">For <see cref="RenewalAction.OweFullPing"/>, when the full ping is owed by.</param>
public sealed record RenewalDecision(RenewalAction Action, RenewalCause Cause, long FullPingOwedByMs = long.MaxValue);

/// <summary>
/// Decides how environments reaching the platform's lifetime are replaced. A lone environment is handed over a little
/// before its end, when the savings pay for the extra ping (or a user is expected meanwhile): a fan-out of 2 pings the
/// old one and starts its successor, which is ready before the old one is retired, so a user arriving meanwhile finds
/// the old one free. Otherwise a ping at the end of life starts the successor, and a user arriving during its init
/// meets a cold start. Pure: the policy applies the decision.
/// </summary>
public static class RenewalDecider
{
    /// <summary>A full ping owed for a few retiring environments comes within this, even if users keep the others fresh.</summary>
    public const long OwedFullPingMs = 60_000;

    /// <summary>Decides the renewal.</summary>
    public static RenewalDecision Decide(in RenewalInputs inputs)
    {
        if (!inputs.Planned)
        {
            return new RenewalDecision(RenewalAction.Stale, RenewalCause.NotPlanned);
        }

        if (inputs.NowMs < inputs.RenewalMs)
        {
            RenewalCause? against = inputs.Busy ? RenewalCause.Busy
                : inputs.Probing ? RenewalCause.Probing
                : inputs.Desired > 1 ? RenewalCause.KeepsSeveral
                : !(inputs.UserDuringReplacement || inputs.CanAffordHandover) ? RenewalCause.NotWorthIt
                : null;
            return against is { } cause
                ? new RenewalDecision(RenewalAction.Defer, cause)
                : new RenewalDecision(RenewalAction.Handover, inputs.UserDuringReplacement ? RenewalCause.UserExpected : RenewalCause.Paid);
        }

        if (inputs.Desired > 1 && 2 * inputs.Retiring < inputs.Desired)
        {
            // A ping now would touch every environment to replace these; the next full ping does it.
            return new RenewalDecision(RenewalAction.OweFullPing, RenewalCause.FewOfMany, Math.Min(inputs.FullPingOwedByMs, inputs.NowMs + OwedFullPingMs));
        }

        return new RenewalDecision(inputs.Busy ? RenewalAction.WaitForIdle : RenewalAction.Replace, inputs.Busy ? RenewalCause.Busy : RenewalCause.EndOfLife);
    }

    /// <summary>How many environments a renewal pings: the forecast's less those users hold (at least one), and one more for a handover's successor.</summary>
    public static int FanOut(int desired, int users, bool handover) => Math.Max(1, desired - users) + (handover ? 1 : 0);
}
