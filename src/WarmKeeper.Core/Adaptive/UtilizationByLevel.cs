namespace WarmKeeper.Core.Adaptive;

/// <summary>
/// Measures, for one function, how much of each window the j-th concurrent environment was busy: the utilization a
/// provisioned environment at level j would have had. Provisioned concurrency is cheaper than on-demand where that
/// utilization exceeds the break-even (<see cref="BreakEvenUtilization"/>, about 60% at AWS prices).
/// </summary>
public sealed class UtilizationByLevel
{
    private readonly long _windowMs;
    private readonly long[] _busyMs;
    private double[] _last = [];
    private double[] _previous = [];
    private long _windowEndMs;
    private long _lastChangeMs;
    private int _concurrency;

    /// <summary>Creates the meter with windows of <paramref name="windowMs"/> from t = <paramref name="startMs"/>.</summary>
    public UtilizationByLevel(long windowMs, int maxLevels, long startMs = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowMs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLevels);
        _windowMs = windowMs;
        _busyMs = new long[maxLevels];
        _windowEndMs = startMs + windowMs;
        _lastChangeMs = startMs;
    }

    /// <summary>
    /// The utilization above which a provisioned environment costs less than on-demand duration:
    /// PC per GB-s / (on-demand per GB-s − PC duration per GB-s).
    /// </summary>
    public static double BreakEvenUtilization(double onDemandPerGbSecond, double provisionedPerGbSecond, double provisionedDurationPerGbSecond)
    {
        var saving = onDemandPerGbSecond - provisionedDurationPerGbSecond;
        return saving <= 0 ? double.PositiveInfinity : provisionedPerGbSecond / saving;
    }

    /// <summary>Concurrency changed to <paramref name="concurrency"/> at <paramref name="nowMs"/> (times never go back).</summary>
    public void OnConcurrency(long nowMs, int concurrency)
    {
        Advance(nowMs);
        _concurrency = Math.Max(0, concurrency);
    }

    /// <summary>
    /// The most levels whose utilization was at least <paramref name="threshold"/> in each of the last two complete
    /// windows as of <paramref name="nowMs"/> (0 when none, or before two windows were seen).
    /// </summary>
    public int LevelsAbove(long nowMs, double threshold)
    {
        Advance(nowMs);
        var levels = 0;
        while (levels < _last.Length && levels < _previous.Length && _last[levels] >= threshold && _previous[levels] >= threshold)
        {
            levels++;
        }

        return levels;
    }

    private void Advance(long nowMs)
    {
        while (nowMs >= _windowEndMs)
        {
            Credit(_windowEndMs);
            _previous = _last;
            _last = [.. _busyMs.Select(busy => busy / (double)_windowMs)];
            Array.Clear(_busyMs);
            _windowEndMs += _windowMs;
        }

        Credit(nowMs);
    }

    private void Credit(long untilMs)
    {
        var elapsed = untilMs - _lastChangeMs;
        if (elapsed > 0)
        {
            var levels = Math.Min(_concurrency, _busyMs.Length);
            for (var j = 0; j < levels; j++)
            {
                _busyMs[j] += elapsed;
            }
        }

        _lastChangeMs = Math.Max(_lastChangeMs, untilMs);
    }
}
