using WarmKeeper.Core.RateLimiting;

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
internal sealed class LocalRateBudget(double permitsPerSecond, int burst, TimeProvider time) : IRateBudget
{
    private readonly Lock _gate = new();
    private readonly TokenBucket _bucket = new(permitsPerSecond, burst, Seconds(time));

    public string Mode => BudgetModes.Local;

    public ValueTask<BucketDecision> TakeAsync(TimeSpan maxWait, CancellationToken cancellationToken) => ValueTask.FromResult(Take(maxWait));

    public BucketDecision Take(TimeSpan maxWait)
    {
        lock (_gate)
        {
            return _bucket.Take(Seconds(time), maxWait);
        }
    }

    public void Return()
    {
        lock (_gate)
        {
            _bucket.Return(Seconds(time));
        }
    }

    public void Dispose()
    {
    }

    private static double Seconds(TimeProvider time) => time.GetTimestamp() / (double)time.TimestampFrequency;
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
