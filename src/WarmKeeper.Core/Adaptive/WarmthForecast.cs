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
public sealed class WarmthForecast(AdaptiveOptions options) : IArrivalRhythm
{
    private const long MinuteMs = 60_000;
    private const long HourMs = 60 * MinuteMs;
    private readonly AdaptiveOptions _options = options ?? throw new ArgumentNullException(nameof(options));
    private readonly List<Level> _levels = [];
    private readonly Dictionary<long, int> _peakByHour = [];
    private readonly long[] _recentIntervals = new long[4];
    private int _recentCount;

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
            if (j == 0 && level.LastUseMs != long.MinValue && nowMs > level.LastUseMs)
            {
                _recentIntervals[_recentCount++ % _recentIntervals.Length] = nowMs - level.LastUseMs;
            }

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

    /// <summary>
    /// The start of the earliest window, overlapping [<paramref name="fromMs"/>, <paramref name="toMs"/>], in which the
    /// function's rhythm says the next arrival may come: the expected window of a regular function, or the last
    /// arrival plus one of its last few intervals (give or take <see cref="AdaptiveOptions.CollisionGuardMs"/> and
    /// <see cref="AdaptiveOptions.IntervalTolerance"/> of it) — which catches a timer from its second interval on,
    /// before the histogram has samples enough to call it regular. Null when nothing is predicted there.
    /// </summary>
    /// <param name="fromMs">Start of the span of interest.</param>
    /// <param name="toMs">End of the span of interest.</param>
    /// <param name="rhythmOnly">Only a rhythm seen at least twice counts, not a guess from one arrival or one interval.</param>
    public long? PredictedArrivalWithin(long fromMs, long toMs, bool rhythmOnly = false)
    {
        long? earliest = null;
        if (ExpectedArrival() is { } expected && expected.FromMs <= toMs && expected.ToMs >= fromMs)
        {
            earliest = expected.FromMs;
        }

        if (_levels.Count == 0)
        {
            return earliest;
        }

        var last = _levels[0].LastUseMs;
        var known = Math.Min(_recentCount, _recentIntervals.Length);
        if (known == 0 && last != long.MinValue && !rhythmOnly)
        {
            // One arrival and no rhythm yet: timers fire on whole minutes, so a whole number of minutes after the first
            // arrival is where a second one is most likely.
            // A fixed tolerance, so that one early keep-alive moves the whole chain after it off the minute marks.
            var minutes = Math.Max(1, (long)Math.Round((double)(fromMs + toMs - (2 * last)) / 2 / MinuteMs));
            var tolerance = _options.CollisionGuardMs;
            var windowFrom = last + (minutes * MinuteMs) - tolerance;
            if (windowFrom <= toMs && last + (minutes * MinuteMs) + tolerance >= fromMs && (earliest is null || windowFrom < earliest))
            {
                earliest = windowFrom;
            }
        }

        for (var i = 0; i < known; i++)
        {
            var interval = _recentIntervals[i];
            var tolerance = _options.CollisionGuardMs + (long)(interval * _options.IntervalTolerance);
            if ((known > 1 || rhythmOnly) && !Agrees(i, interval, tolerance, known))
            {
                continue; // an irregular interval predicts nothing: only a rhythm seen twice (or the only one seen) counts
            }

            var (windowFrom, windowTo) = (last + interval - tolerance, last + interval + tolerance);
            if (windowFrom <= toMs && windowTo >= fromMs && (earliest is null || windowFrom < earliest))
            {
                earliest = windowFrom;
            }
        }

        return earliest;
    }

    private bool Agrees(int index, long interval, long tolerance, int known)
    {
        for (var k = 0; k < known; k++)
        {
            if (k != index && Math.Abs(_recentIntervals[k] - interval) <= tolerance)
            {
                return true;
            }
        }

        return false;
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
