namespace WarmKeeper.Core.Adaptive;

/// <summary>What the plain warmer the savings account is measured against would have spent for one function since the last reconcile.</summary>
/// <param name="NowMs">The instant.</param>
/// <param name="ForecastPeak">The highest concurrency the function's forecast has seen.</param>
/// <param name="BaselinePeak">The highest peak the plain warmer was credited for so far.</param>
/// <param name="BaselineLifetimes">How many platform lifetimes of restarts it was credited for so far.</param>
/// <param name="PingUsd">The price of one ping of the function.</param>
/// <param name="InitUsd">The price of one cold start of the function.</param>
/// <param name="Options">The intervals: reconcile, the plain warmer's period, the platform's lifetime.</param>
/// <param name="PingDurationMs">How long a ping holds an environment.</param>
public readonly record struct PlainWarmerInputs(
    long NowMs,
    int ForecastPeak,
    int BaselinePeak,
    long BaselineLifetimes,
    double PingUsd,
    double InitUsd,
    AdaptiveOptions Options,
    long PingDurationMs);

/// <summary>What to credit, and what the plain warmer has then been credited for.</summary>
/// <param name="Usd">The credit.</param>
/// <param name="BaselinePeak">The peak credited for, from now on.</param>
/// <param name="BaselineLifetimes">The lifetimes credited for, from now on.</param>
public readonly record struct PlainWarmerCredit(double Usd, int BaselinePeak, long BaselineLifetimes);

/// <summary>Why provisioned concurrency was or was not decided on.</summary>
public enum ProvisioningCause
{
    /// <summary>No environment level was busy beyond break-even, and none is provisioned: nothing to decide.</summary>
    NotNeeded,

    /// <summary>Some levels were busy beyond break-even in each of the last two windows: allow that many.</summary>
    BusyBeyondBreakEven,

    /// <summary>None is busy beyond break-even any more but some are provisioned: let the decider release them.</summary>
    Release,
}

/// <summary>Whether to ask the decider for provisioned concurrency, with how many allowed, and why.</summary>
/// <param name="Decide">Whether to ask the decider at all.</param>
/// <param name="MaxProvisioned">The most provisioned environments the decider's policy allows.</param>
/// <param name="Cause">Why.</param>
public sealed record ProvisioningDecision(bool Decide, int MaxProvisioned, ProvisioningCause Cause);

/// <summary>
/// The reconcile tick's two decisions for a function: what the plain warmer would have spent (credited to the savings
/// account), and whether provisioned concurrency pays where pings do not. Pure: the policy applies them.
/// </summary>
public static class ProvisioningDecider
{
    /// <summary>
    /// The plain warmer pings its peak every <see cref="AdaptiveOptions.DefaultIdleTimeoutMs"/> (plus a ping), starts an
    /// environment for each new level of the peak, and restarts each at the end of its life. Restarts are counted when
    /// they happen, each lifetime, not spread over it: credit that came before the restart it pays for would fund probes
    /// where there is nothing to save.
    /// </summary>
    public static PlainWarmerCredit PlainWarmer(in PlainWarmerInputs inputs)
    {
        var options = inputs.Options;
        var peak = Math.Max(1, inputs.ForecastPeak);
        var lifetimes = inputs.NowMs / options.EnvironmentLifetimeMs;
        var baseline = ((double)options.ReconcileIntervalMs / (options.DefaultIdleTimeoutMs + inputs.PingDurationMs) * peak * inputs.PingUsd)
            + ((lifetimes - inputs.BaselineLifetimes) * peak * inputs.InitUsd)
            + (Math.Max(0, peak - inputs.BaselinePeak) * inputs.InitUsd);
        return new PlainWarmerCredit(baseline, Math.Max(inputs.BaselinePeak, peak), lifetimes);
    }

    /// <summary>Allows as many provisioned environments as levels were busy beyond break-even; asks nothing when none were and none is provisioned.</summary>
    /// <param name="levelsBeyondBreakEven">How many levels were busy more than the break-even share (plus margin) of each of the last two windows.</param>
    /// <param name="provisioned">How many are provisioned now.</param>
    public static ProvisioningDecision Provisioning(int levelsBeyondBreakEven, int provisioned) =>
        levelsBeyondBreakEven > 0 ? new ProvisioningDecision(true, levelsBeyondBreakEven, ProvisioningCause.BusyBeyondBreakEven)
        : provisioned > 0 ? new ProvisioningDecision(true, 0, ProvisioningCause.Release)
        : new ProvisioningDecision(false, 0, ProvisioningCause.NotNeeded);
}
