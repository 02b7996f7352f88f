namespace WarmKeeper.Core.Adaptive;

/// <summary>The knobs of the adaptive warm-keeping strategy. Defaults are what the benchmark runs.</summary>
public sealed record AdaptiveOptions
{
    /// <summary>The idle timeout assumed until outcomes say otherwise: the 5 minutes of the most used warm-up plugin, less a ping.</summary>
    public long DefaultIdleTimeoutMs { get; init; } = 299_900;

    /// <summary>Keep-alive pings are never spaced closer than this, whatever the evidence says (a cost guard: platforms keep idle environments for minutes).</summary>
    public long MinKeepAliveGapMs { get; init; } = 10_000;

    /// <summary>Share of a plain 5-minute warmer's spending that savings must exceed before they pay for extra protection.</summary>
    public double SavingsReserve { get; init; } = 0.15;

    /// <summary>Probing stops once the idle timeout is bracketed this tightly (or within <see cref="IdleTimeoutRelativeResolution"/>).</summary>
    public long IdleTimeoutResolutionMs { get; init; } = 10_000;

    /// <summary>Probing stops once the bracket is this share of the proven gap: what is left to win is smaller than a probe costs.</summary>
    public double IdleTimeoutRelativeResolution { get; init; } = 0.05;

    /// <summary>Probing never waits longer than this between pings (a platform that keeps environments longer gains little).</summary>
    public long MaxProbeGapMs { get; init; } = 90 * 60_000;

    /// <summary>How many functions probe the idle timeout at once, each at a different gap.</summary>
    public int ParallelProbes { get; init; } = 2;

    /// <summary>A keep-alive ping is kept this far from an arrival the function's own rhythm predicts, so it never holds the environment a user needs.</summary>
    public long CollisionGuardMs { get; init; } = 1_000;

    /// <summary>How far either side of a recent interval, as its share, the next arrival may land (a timer's jitter).</summary>
    public double IntervalTolerance { get; init; } = 0.005;

    /// <summary>Arrivals count as predictable when the head-to-tail spread of their idle times is at most this share of the median.</summary>
    public double PeriodicSpread { get; init; } = 0.02;

    /// <summary>The platform retires an environment this long after it was born; a ping just then replaces it before a user meets it.</summary>
    public long EnvironmentLifetimeMs { get; init; } = 2 * 60 * 60_000;

    /// <summary>A level of concurrency stays warm at least this long after it was last needed.</summary>
    public long KeepAfterUseMs { get; init; } = 60 * 60_000;

    /// <summary>With fewer idle times than <see cref="MinHistogramSamples"/>, a level stays warm this long after its last use.</summary>
    public long DefaultKeepAliveMs { get; init; } = 6 * 60 * 60_000;

    /// <summary>Idle times needed before the histogram, not the default, decides when a level is released and re-warmed.</summary>
    public int MinHistogramSamples { get; init; } = 4;

    /// <summary>Head percentile of idle times: re-warm a released level before this much idle time has passed.</summary>
    public double HeadPercentile { get; init; } = 0.05;

    /// <summary>Tail percentile of idle times: release a level once idle for longer than this (times <see cref="TailMargin"/>).</summary>
    public double TailPercentile { get; init; } = 0.99;

    /// <summary>Safety factor on the tail percentile.</summary>
    public double TailMargin { get; init; } = 1.5;

    /// <summary>How far ahead of an expected arrival a released level is re-warmed.</summary>
    public long PrewarmLeadMs { get; init; } = 5 * 60_000;

    /// <summary>Idle time that separates two episodes of a level's use (shorter pauses are one episode).</summary>
    public long EpisodeGapMs { get; init; } = 2 * 60_000;

    /// <summary>Window over which utilization by level is measured for provisioned concurrency.</summary>
    public long UtilizationWindowMs { get; init; } = 30 * 60_000;

    /// <summary>Provisioned concurrency is chosen for a level only when its utilization beats break-even by this much.</summary>
    public double UtilizationMargin { get; init; } = 0.05;

    /// <summary>How often provisioned concurrency is reconsidered.</summary>
    public long ReconcileIntervalMs { get; init; } = 60_000;

    /// <summary>The most concurrency levels tracked per function (and so the largest fan-out).</summary>
    public int MaxLevels { get; init; } = 1000;
}
