namespace WarmKeeper.Core.Adaptive;

/// <summary>
/// Learns the platform's idle timeout (how long an idle environment survives) from outcomes alone: a warm start
/// after an idle gap proves the timeout is longer than the gap; a cold start after a gap (when nothing else could
/// have removed the environment) proves it is at most the gap.
/// </summary>
/// <remarks>
/// Once the bracket is narrow, keep-alive pings are spaced by the lower bound alone, because only it is proof:
/// pinging within a gap already seen to be survived can never let an environment expire. While it is wide, the
/// upper bound halves the spacing (a bisection that a cold ping tightens from above). The upper bound also guides
/// probing.
/// </remarks>
public sealed class IdleTimeoutEstimator(AdaptiveOptions options)
{
    private readonly AdaptiveOptions _options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The longest idle gap an environment was seen to survive (the timeout is strictly longer); null before any.</summary>
    public long? LowerMs { get; private set; }

    /// <summary>The shortest idle gap after which an environment was seen gone (the timeout is at most this); null before any.</summary>
    public long? UpperMs { get; private set; }

    /// <summary>Evidence taken so far (warm, cold).</summary>
    public (int Warm, int Cold) Evidence { get; private set; }

    /// <summary>An environment idle for <paramref name="gapMs"/> was still there.</summary>
    public void ObserveSurvived(long gapMs)
    {
        if (gapMs <= 0)
        {
            return;
        }

        Evidence = (Evidence.Warm + 1, Evidence.Cold);
        if (LowerMs is null || gapMs > LowerMs)
        {
            LowerMs = gapMs;
        }

        if (UpperMs is { } upper && upper <= gapMs)
        {
            // Contradicted: the "cold" was something else (a retirement we could not rule out). Proof wins.
            UpperMs = null;
        }
    }

    /// <summary>Every environment idle for <paramref name="gapMs"/> was gone, and nothing but the idle timeout explains it.</summary>
    public void ObserveExpired(long gapMs)
    {
        if (gapMs <= 0 || (LowerMs is { } lower && gapMs <= lower))
        {
            return;
        }

        Evidence = (Evidence.Warm, Evidence.Cold + 1);
        if (UpperMs is null || gapMs < UpperMs)
        {
            UpperMs = gapMs;
        }
    }

    /// <summary>
    /// The idle gap to leave a warm environment alone: the longest gap proven survivable; while the bracket is wide
    /// (nothing proven above half the known upper bound) half the upper bound, so that keep-alives bisect the bracket
    /// instead of settling on a tiny proven gap (a warm start 1 ms after a previous one proves little, and pinging
    /// every millisecond costs without end); the default before any evidence. Never below
    /// <see cref="AdaptiveOptions.MinKeepAliveGapMs"/>.
    /// </summary>
    public long SafeGapMs
    {
        get
        {
            var lower = LowerMs ?? 0;
            var gap = UpperMs is { } upper
                ? Math.Max(lower, Math.Min(_options.DefaultIdleTimeoutMs, upper / 2))
                : Math.Max(lower, _options.DefaultIdleTimeoutMs);
            return Math.Max(gap, _options.MinKeepAliveGapMs);
        }
    }

    /// <summary>True once the timeout is bracketed within the resolution, or probing reached its limit.</summary>
    public bool Converged =>
        (UpperMs is { } upper && upper - (LowerMs ?? 0) <= Math.Max(_options.IdleTimeoutResolutionMs, (LowerMs ?? 0) * _options.IdleTimeoutRelativeResolution))
        || (LowerMs ?? 0) >= _options.MaxProbeGapMs;

    /// <summary>
    /// The idle gap the <paramref name="rank"/>-th of <paramref name="probes"/> parallel probes should test next:
    /// spaced inside the bracket when both bounds are known (an n-ary search), else growing geometrically.
    /// </summary>
    /// <returns>Null when nothing is left to learn.</returns>
    public long? NextProbeGapMs(int rank, int probes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(probes, rank);
        if (Converged)
        {
            return null;
        }

        // Without an upper bound, probing starts from the default (a probe risks only a shadow environment).
        var lower = Math.Max(LowerMs ?? 0, UpperMs is null ? _options.DefaultIdleTimeoutMs : 1000);
        long gap;
        if (UpperMs is { } upper)
        {
            gap = lower + ((upper - lower) * (rank + 1) / (probes + 1));
        }
        else
        {
            // Up to double what is proven; parallel probes take the steps in between.
            gap = lower + (lower * (rank + 1) / probes);
        }

        return Math.Clamp(gap, lower + 1, Math.Max(lower + 1, _options.MaxProbeGapMs));
    }
}
