namespace WarmKeeper.Core.Protection;

/// <summary>The answer of a token bucket to one call.</summary>
/// <param name="Granted">True when the call may run (after <paramref name="Wait"/>).</param>
/// <param name="Wait">How long a granted call must wait for its token (zero unless queued).</param>
/// <param name="RetryAfter">For a refused call: the time until a retry would be granted, if nothing else arrives.</param>
public readonly record struct BucketDecision(bool Granted, TimeSpan Wait, TimeSpan RetryAfter)
{
    public static BucketDecision Now { get; } = new(true, TimeSpan.Zero, TimeSpan.Zero);
}

/// <summary>
/// A token bucket that hands out future tokens to queued calls (its level may go negative), so that
/// queued calls are served in arrival order, each at the instant its token exists, and so that the
/// time until a retry would be granted is exact: it is read off the level, not guessed.
/// Not thread-safe: the owner serializes calls. Times are any monotonic clock, in seconds.
/// </summary>
public sealed class TokenBucket
{
    private readonly double _rate;
    private readonly double _capacity;
    private double _level;
    private double _updatedAt;

    /// <param name="permitsPerSecond">Refill rate (0 makes <paramref name="burst"/> a one-off allowance).</param>
    /// <param name="burst">Capacity; the bucket starts full.</param>
    /// <param name="now">The clock's current reading, in seconds.</param>
    public TokenBucket(double permitsPerSecond, int burst, double now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitsPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(burst);
        _rate = permitsPerSecond;
        _capacity = burst;
        _level = burst;
        _updatedAt = now;
    }

    /// <summary>Tokens available now; negative while queued calls hold future tokens.</summary>
    public double Level(double now)
    {
        Refill(now);
        return _level;
    }

    /// <summary>Takes one token now, or a future one when it comes within <paramref name="maxWait"/>; else refuses.</summary>
    public BucketDecision Take(double now, TimeSpan maxWait)
    {
        Refill(now);
        if (_level >= 1)
        {
            _level -= 1;
            return BucketDecision.Now;
        }

        var untilToken = SecondsUntilOneToken();
        if (untilToken <= maxWait.TotalSeconds)
        {
            _level -= 1;
            return new BucketDecision(true, TimeSpan.FromSeconds(untilToken), TimeSpan.Zero);
        }

        // A retry is granted once its token would come within maxWait of arriving.
        var retryAfter = double.IsPositiveInfinity(untilToken) ? TimeSpan.MaxValue : TimeSpan.FromSeconds(untilToken - maxWait.TotalSeconds);
        return new BucketDecision(false, TimeSpan.Zero, retryAfter);
    }

    /// <summary>Gives back a token taken for a call that then did not run (its queue wait was cut short).</summary>
    public void Return(double now)
    {
        Refill(now);
        _level = Math.Min(_capacity, _level + 1);
    }

    private double SecondsUntilOneToken() => _rate > 0 ? (1 - _level) / _rate : double.PositiveInfinity;

    private void Refill(double now)
    {
        if (now > _updatedAt)
        {
            _level = Math.Min(_capacity, _level + (now - _updatedAt) * _rate);
            _updatedAt = now;
        }
    }
}
