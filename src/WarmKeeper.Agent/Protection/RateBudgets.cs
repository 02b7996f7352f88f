using WarmKeeper.Core.Protection;

namespace WarmKeeper.Agent.Protection;

/// <summary>Where a limit's tokens come from.</summary>
public static class BudgetModes
{
    public const string Local = "local";
    public const string Shared = "shared";
    public const string Fallback = "fallback";
}

/// <summary>The token bucket of one rate limit: this instance's own, or one shared by every instance.</summary>
internal interface IRateBudget : IDisposable
{
    /// <summary><see cref="BudgetModes"/>: where the last decision came from.</summary>
    string Mode { get; }

    ValueTask<BucketDecision> TakeAsync(TimeSpan maxWait, CancellationToken cancellationToken);

    /// <summary>Gives back a token whose call did not run; best effort (a shared budget keeps it).</summary>
    void Return();
}

/// <summary>A token bucket in this process, timed by <see cref="TimeProvider"/>.</summary>
internal sealed class LocalRateBudget : IRateBudget
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly TokenBucket _bucket;

    public LocalRateBudget(double permitsPerSecond, int burst, TimeProvider time)
    {
        _time = time;
        // Seconds since this bucket began, not since the clock's epoch: a clock counting ticks since
        // year 1 would leave a double only microseconds of precision, and Retry-After would drift.
        _origin = time.GetTimestamp();
        _bucket = new TokenBucket(permitsPerSecond, burst, Seconds());
    }

    public string Mode => BudgetModes.Local;

    public ValueTask<BucketDecision> TakeAsync(TimeSpan maxWait, CancellationToken cancellationToken) => ValueTask.FromResult(Take(maxWait));

    public BucketDecision Take(TimeSpan maxWait)
    {
        lock (_gate)
        {
            return _bucket.Take(Seconds(), maxWait);
        }
    }

    public void Return()
    {
        lock (_gate)
        {
            _bucket.Return(Seconds());
        }
    }

    public void Dispose()
    {
    }

    private double Seconds() => (_time.GetTimestamp() - _origin) / (double)_time.TimestampFrequency;
}

/// <summary>Refuses everything: the fail-closed fallback while Redis is away.</summary>
internal sealed class ClosedRateBudget(TimeSpan retryAfter) : IRateBudget
{
    public string Mode => BudgetModes.Fallback;

    public ValueTask<BucketDecision> TakeAsync(TimeSpan maxWait, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new BucketDecision(false, TimeSpan.Zero, retryAfter));

    public void Return()
    {
    }

    public void Dispose()
    {
    }
}
