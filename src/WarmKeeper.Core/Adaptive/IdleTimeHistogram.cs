namespace WarmKeeper.Core.Adaptive;

/// <summary>The most recent idle times of one thing (bounded), with percentiles: the core of the hybrid-histogram policy.</summary>
public sealed class IdleTimeHistogram(int capacity = 64)
{
    private readonly long[] _ring = new long[capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity))];
    private long[]? _sorted;
    private int _count;
    private int _next;

    /// <summary>Idle times held.</summary>
    public int Count => _count;

    /// <summary>Adds one idle time, forgetting the oldest when full.</summary>
    public void Add(long idleMs)
    {
        _ring[_next] = idleMs;
        _next = (_next + 1) % _ring.Length;
        _count = Math.Min(_count + 1, _ring.Length);
        _sorted = null;
    }

    /// <summary>The idle time below which a share <paramref name="p"/> of those held fall (nearest rank).</summary>
    /// <exception cref="InvalidOperationException">Empty.</exception>
    public long Percentile(double p)
    {
        if (_count == 0)
        {
            throw new InvalidOperationException("No idle times recorded.");
        }

        if (_sorted is null)
        {
            _sorted = _ring[.._count];
            Array.Sort(_sorted);
        }

        var index = (int)Math.Clamp(Math.Ceiling(p * _count) - 1, 0, _count - 1);
        return _sorted[index];
    }
}
