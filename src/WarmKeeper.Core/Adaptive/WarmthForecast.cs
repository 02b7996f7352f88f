namespace WarmKeeper.Core.Adaptive;

/// <summary>
/// Predicts how many environments of one function should be warm, level by level, in the spirit of the
/// hybrid-histogram policy of "Serverless in the Wild": level j (the j-th concurrent environment) keeps its own
/// histogram of idle times between the episodes that needed it. Right after a use a level stays warm; then, once
/// its histogram has enough samples, it is released and re-warmed shortly before the head percentile of its idle
/// times, and given up after the tail percentile; with too few samples a default keep-alive applies. A daily
/// seasonality term keeps a level warm when the same hour yesterday needed it.
/// </summary>
/// <remarks>Level 1 is always kept: one warm environment costs a ping per idle timeout, a cold start costs an init a user waits for.</remarks>
public sealed class WarmthForecast(AdaptiveOptions options)
{
    private const long HourMs = 60 * 60_000;
    private readonly AdaptiveOptions _options = options ?? throw new ArgumentNullException(nameof(options));
    private readonly List<Level> _levels = [];
    private readonly Dictionary<long, int> _peakByHour = [];

    /// <summary>The highest concurrency seen.</summary>
    public int Peak => _levels.Count;

    /// <summary>Notes the concurrency right after an invocation was admitted at <paramref name="nowMs"/>.</summary>
    public void OnConcurrency(long nowMs, int concurrency)
    {
        var levels = Math.Min(concurrency, _options.MaxLevels);
        for (var j = 0; j < levels; j++)
        {
            if (j == _levels.Count)
            {
                _levels.Add(new Level());
            }

            var level = _levels[j];
            if (level.LastUseMs != long.MinValue && nowMs - level.LastUseMs > _options.EpisodeGapMs)
            {
                (level.IdleTimes ??= new IdleTimeHistogram()).Add(nowMs - level.LastUseMs);
            }

            level.LastUseMs = nowMs;
        }

        var hour = nowMs / HourMs;
        if (levels > _peakByHour.GetValueOrDefault(hour))
        {
            _peakByHour[hour] = levels;
            _peakByHour.Remove(hour - (8 * 24));
        }
    }

    /// <summary>How many environments should be warm now (at least one).</summary>
    public int DesiredWarm(long nowMs)
    {
        for (var j = _levels.Count; j >= 2; j--)
        {
            if (IsKept(j, nowMs))
            {
                return j;
            }
        }

        return 1;
    }

    /// <summary>The next time after <paramref name="nowMs"/> a released level's pre-warm window opens; null if none.</summary>
    public long? NextRewarmAtMs(long nowMs)
    {
        long? next = null;
        for (var j = 2; j <= _levels.Count; j++)
        {
            var level = _levels[j - 1];
            if (level.IdleTimes is { } idle && idle.Count >= _options.MinHistogramSamples)
            {
                var opens = level.LastUseMs + idle.Percentile(_options.HeadPercentile) - _options.PrewarmLeadMs;
                if (opens > nowMs && (next is null || opens < next))
                {
                    next = opens;
                }
            }
        }

        var nextHour = ((nowMs + _options.PrewarmLeadMs) / HourMs + 1) * HourMs - _options.PrewarmLeadMs;
        if (_peakByHour.ContainsKey((nextHour + _options.PrewarmLeadMs) / HourMs - 24) && (next is null || nextHour < next))
        {
            next = nextHour;
        }

        return next;
    }

    /// <summary>
    /// When the function's arrivals are regular (a timer: idle times within <see cref="AdaptiveOptions.PeriodicSpread"/>
    /// of their median), the window in which the next one is expected; null when arrivals are not predictable.
    /// </summary>
    public (long FromMs, long ToMs)? ExpectedArrival()
    {
        if (_levels.Count == 0 || _levels[0].IdleTimes is not { } idle || idle.Count < _options.MinHistogramSamples)
        {
            return null;
        }

        var head = idle.Percentile(_options.HeadPercentile);
        var tail = idle.Percentile(1 - _options.HeadPercentile);
        var median = idle.Percentile(0.5);
        var last = _levels[0].LastUseMs;
        return tail - head <= median * _options.PeriodicSpread ? (last + head, last + tail) : null;
    }

    private bool IsKept(int j, long nowMs)
    {
        var level = _levels[j - 1];
        var idleFor = nowMs - level.LastUseMs;
        if (idleFor <= _options.KeepAfterUseMs)
        {
            return true;
        }

        if (SeasonalPeak(nowMs) >= j)
        {
            return true;
        }

        if (level.IdleTimes is not { } idle || idle.Count < _options.MinHistogramSamples)
        {
            return idleFor <= _options.DefaultKeepAliveMs;
        }

        var head = idle.Percentile(_options.HeadPercentile);
        var tail = (long)(idle.Percentile(_options.TailPercentile) * _options.TailMargin);
        return idleFor >= head - _options.PrewarmLeadMs && idleFor <= tail + _options.PrewarmLeadMs;
    }

    private int SeasonalPeak(long nowMs)
    {
        // Yesterday, this hour and the next (so the warm-up leads the daily rise).
        var yesterday = (nowMs / HourMs) - 24;
        var ahead = ((nowMs + _options.PrewarmLeadMs) / HourMs) - 24;
        return Math.Max(_peakByHour.GetValueOrDefault(yesterday), _peakByHour.GetValueOrDefault(ahead));
    }

    private sealed class Level
    {
        public long LastUseMs = long.MinValue;
        public IdleTimeHistogram? IdleTimes;
    }
}
