namespace WarmKeeper.Core.Adaptive;

/// <summary>
/// Measures, for one function, how much of each window the j-th provisioned environment would have been busy had
/// there been j of them: the observed invocations replayed on virtual environments taken in order (an arrival takes
/// the first free one), which is how provisioned environments are preferred over on-demand ones. Provisioned
/// concurrency is cheaper than on-demand where that utilization exceeds the break-even
/// (<see cref="BreakEvenUtilization"/>, about 60% at AWS prices).
/// </summary>
/// <remarks>
/// The share of time with at least j invocations running overstates it: when the first environment is busy an arrival
/// goes elsewhere and stays there, so with Poisson arrivals at an offered load of 1 a single provisioned environment is
/// busy half the time, not the 63% during which something runs. Everything here is known when it happens: an arrival
/// needs only which virtual environments still run an invocation, a completion frees its own.
/// </remarks>
public sealed class UtilizationByLevel
{
    private readonly long _windowMs;
    private readonly long[] _busyMs;
    private readonly long[] _creditedFromMs;
    private readonly Dictionary<long, List<int>> _byArrival = [];
    private double[] _last = [];
    private double[] _previous = [];
    private long _windowEndMs;

    /// <summary>Creates the meter with windows of <paramref name="windowMs"/> from t = <paramref name="startMs"/>.</summary>
    public UtilizationByLevel(long windowMs, int maxLevels, long startMs = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowMs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLevels);
        _windowMs = windowMs;
        _busyMs = new long[maxLevels];
        _creditedFromMs = new long[maxLevels];
        Array.Fill(_creditedFromMs, Free);
        _windowEndMs = startMs + windowMs;
    }

    private const long Free = long.MinValue;

    /// <summary>
    /// The utilization above which a provisioned environment costs less than on-demand duration:
    /// PC per GB-s / (on-demand per GB-s − PC duration per GB-s).
    /// </summary>
    public static double BreakEvenUtilization(double onDemandPerGbSecond, double provisionedPerGbSecond, double provisionedDurationPerGbSecond)
    {
        var saving = onDemandPerGbSecond - provisionedDurationPerGbSecond;
        return saving <= 0 ? double.PositiveInfinity : provisionedPerGbSecond / saving;
    }

    /// <summary>An invocation arrived at <paramref name="arrivalMs"/> (times never go back): the first free virtual environment takes it.</summary>
    public void OnArrival(long arrivalMs)
    {
        Advance(arrivalMs);
        for (var level = 0; level < _creditedFromMs.Length; level++)
        {
            if (_creditedFromMs[level] == Free)
            {
                _creditedFromMs[level] = arrivalMs;
                if (!_byArrival.TryGetValue(arrivalMs, out var levels))
                {
                    _byArrival[arrivalMs] = levels = [];
                }

                levels.Add(level);
                return;
            }
        }
    }

    /// <summary>The invocation that arrived at <paramref name="arrivalMs"/> completed at <paramref name="nowMs"/>: its virtual environment is free again.</summary>
    public void OnCompletion(long arrivalMs, long nowMs)
    {
        Advance(nowMs);
        if (!_byArrival.TryGetValue(arrivalMs, out var levels))
        {
            return; // it found every virtual environment busy
        }

        var level = levels[^1];
        levels.RemoveAt(levels.Count - 1);
        if (levels.Count == 0)
        {
            _byArrival.Remove(arrivalMs);
        }

        _busyMs[level] += Math.Max(0, nowMs - _creditedFromMs[level]);
        _creditedFromMs[level] = Free;
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
            for (var level = 0; level < _creditedFromMs.Length; level++)
            {
                if (_creditedFromMs[level] != Free)
                {
                    _busyMs[level] += Math.Max(0, _windowEndMs - _creditedFromMs[level]);
                    _creditedFromMs[level] = _windowEndMs;
                }
            }

            _previous = _last;
            _last = [.. _busyMs.Select(busy => busy / (double)_windowMs)];
            Array.Clear(_busyMs);
            _windowEndMs += _windowMs;
        }
    }
}
