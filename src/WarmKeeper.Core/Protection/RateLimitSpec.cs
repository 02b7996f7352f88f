using WarmKeeper.Core.Targets;

namespace WarmKeeper.Core.Protection;

/// <summary>How warm-up pings that pass through the proxy are treated by a rate limit.</summary>
public enum WarmupPingTreatment
{
    /// <summary>Pings take no token from the bucket but hold a concurrency slot while they run (the default).</summary>
    ExemptFromRate,

    /// <summary>Pings pass untouched: no token, no concurrency slot.</summary>
    Exempt,

    /// <summary>Pings are limited like any other call.</summary>
    Limited,
}

/// <summary>
/// A limit on invocations of one function, or of a group of functions that share a downstream
/// (a database, a partner API): a token bucket, a concurrency cap, and an optional bounded queue.
/// </summary>
public sealed record RateLimitSpec
{
    /// <summary>1 to 64 lowercase letters, digits or '-'.</summary>
    public required string Id { get; init; }

    /// <summary>The target the functions live on; <c>local</c> for the built-in runtime.</summary>
    public string Target { get; init; } = TargetNames.Local;

    /// <summary>The functions that draw from this limit; one for a per-function limit, several for a shared downstream.</summary>
    public required IReadOnlyList<string> Functions { get; init; }

    /// <summary>Token refill rate; null for no rate limit (concurrency only).</summary>
    public double? PermitsPerSecond { get; init; }

    /// <summary>Bucket size: calls admitted at once after a quiet spell; null means one second's worth of permits (at least 1).</summary>
    public int? Burst { get; init; }

    /// <summary>Calls of the limited functions in flight at once through this proxy; null for no cap.</summary>
    public int? MaxConcurrency { get; init; }

    /// <summary>Calls that may wait for a permit instead of being refused; 0 refuses at once.</summary>
    public int QueueLimit { get; init; }

    /// <summary>The longest a queued call waits before it is refused; required when <see cref="QueueLimit"/> is above 0.</summary>
    public TimeSpan? MaxQueueWait { get; init; }

    public WarmupPingTreatment WarmupPings { get; init; } = WarmupPingTreatment.ExemptFromRate;

    /// <summary>The bucket size in force: <see cref="Burst"/>, else one second of permits, at least 1.</summary>
    public int EffectiveBurst => Burst ?? (PermitsPerSecond is { } rate ? Math.Max(1, (int)Math.Ceiling(rate)) : 0);

    /// <summary>The queue wait in force (zero without a queue).</summary>
    public TimeSpan EffectiveMaxQueueWait => QueueLimit > 0 ? MaxQueueWait ?? TimeSpan.Zero : TimeSpan.Zero;
}
