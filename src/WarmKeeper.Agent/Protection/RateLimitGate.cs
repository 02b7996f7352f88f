using System.Threading.RateLimiting;
using WarmKeeper.Core.Protection;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Agent.Protection;

/// <summary>Live counts of one limit; they survive changes to the limit (a new gate takes them over).</summary>
public sealed class RateLimitCounters
{
    private long _admitted;
    private long _queued;
    private long _rejected;
    private int _inFlight;
    private int _waiting;

    public long Admitted => Interlocked.Read(ref _admitted);

    /// <summary>Calls that had to wait for a permit (and were then admitted or refused).</summary>
    public long Queued => Interlocked.Read(ref _queued);

    public long Rejected => Interlocked.Read(ref _rejected);

    public int InFlight => Volatile.Read(ref _inFlight);

    public int Waiting => Volatile.Read(ref _waiting);

    internal void OnAdmitted() => Interlocked.Increment(ref _admitted);

    internal void OnQueued() => Interlocked.Increment(ref _queued);

    internal void OnRejected() => Interlocked.Increment(ref _rejected);

    internal void OnStarted() => Interlocked.Increment(ref _inFlight);

    internal void OnFinished() => Interlocked.Decrement(ref _inFlight);

    internal int EnterWaiting() => Interlocked.Increment(ref _waiting);

    internal void LeaveWaiting() => Interlocked.Decrement(ref _waiting);
}

/// <summary>The verdict of one limit on one call.</summary>
internal readonly record struct GateVerdict(bool Admitted, string? Reason, TimeSpan RetryAfter, RateLimitLease? Lease)
{
    public static GateVerdict Refused(string reason, TimeSpan retryAfter) => new(false, reason, retryAfter, null);
}

/// <summary>
/// One rate limit in force: a token bucket (local or shared through Redis), a concurrency cap
/// (the framework's <see cref="ConcurrencyLimiter"/>, oldest first), and a bounded queue in front of
/// both. Retry-After is ours: the bucket's exact time to the next grantable token, and for the
/// concurrency cap an estimate from the durations seen (the framework limiter gives none).
/// </summary>
internal sealed class RateLimitGate : IDisposable
{
    private readonly IRateBudget? _rate;
    private readonly ConcurrencyLimiter? _concurrency;
    private readonly TimeProvider _time;
    private double _meanDurationMs = double.NaN;

    /// <param name="concurrencyShare">This instance's part of <see cref="RateLimitSpec.MaxConcurrency"/> when several share the limit.</param>
    public RateLimitGate(RateLimitSpec spec, IRateBudget? rate, RateLimitCounters counters, TimeProvider time, int? concurrencyShare = null)
    {
        Spec = spec;
        _rate = rate;
        Counters = counters;
        _time = time;
        if ((concurrencyShare ?? spec.MaxConcurrency) is { } max)
        {
            _concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
            {
                PermitLimit = max,
                QueueLimit = spec.QueueLimit,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            });
        }
    }

    public RateLimitSpec Spec { get; }

    public RateLimitCounters Counters { get; }

    /// <summary>Where the tokens come from now (<see cref="BudgetModes"/>), or null without a rate.</summary>
    public string? BudgetMode => _rate?.Mode;

    /// <summary>Waits (within the queue bounds) for a token and a concurrency slot; refuses with an exact Retry-After otherwise.</summary>
    public async ValueTask<GateVerdict> AdmitAsync(bool isWarmupPing, CancellationToken cancellationToken)
    {
        var treatment = isWarmupPing ? Spec.WarmupPings : WarmupPingTreatment.Limited;
        if (treatment == WarmupPingTreatment.Exempt)
        {
            return new GateVerdict(true, null, TimeSpan.Zero, null);
        }

        var started = _time.GetTimestamp();
        var maxWait = Spec.EffectiveMaxQueueWait;
        var tookToken = false;
        if (_rate is not null && treatment != WarmupPingTreatment.ExemptFromRate)
        {
            var canQueue = Spec.QueueLimit > 0 && Counters.EnterWaiting() <= Spec.QueueLimit;
            try
            {
                var decision = await _rate.TakeAsync(canQueue ? maxWait : TimeSpan.Zero, cancellationToken);
                if (!decision.Granted)
                {
                    Counters.OnRejected();
                    return GateVerdict.Refused(ThrottleReasons.FunctionInvocationRateLimitExceeded, decision.RetryAfter);
                }

                tookToken = true;
                if (decision.Wait > TimeSpan.Zero)
                {
                    Counters.OnQueued();
                    try
                    {
                        await Task.Delay(decision.Wait, _time, cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        _rate.Return();
                        throw;
                    }
                }
            }
            finally
            {
                if (Spec.QueueLimit > 0)
                {
                    Counters.LeaveWaiting();
                }
            }
        }

        RateLimitLease? lease = null;
        if (_concurrency is not null)
        {
            lease = _concurrency.AttemptAcquire();
            if (!lease.IsAcquired)
            {
                lease.Dispose();
                lease = await WaitForSlotAsync(maxWait - _time.GetElapsedTime(started), cancellationToken);
                if (lease is null)
                {
                    if (tookToken)
                    {
                        _rate!.Return();
                    }

                    Counters.OnRejected();
                    return GateVerdict.Refused(ThrottleReasons.ReservedFunctionConcurrentInvocationLimitExceeded, EstimatedSlotWait());
                }
            }
        }

        Counters.OnAdmitted();
        Counters.OnStarted();
        return new GateVerdict(true, null, TimeSpan.Zero, lease ?? NoLease.Instance);
    }

    /// <summary>Called when an admitted call ends; its duration feeds the concurrency Retry-After estimate.</summary>
    public void Finished(GateVerdict verdict, TimeSpan duration)
    {
        if (verdict.Lease is null)
        {
            return;
        }

        verdict.Lease.Dispose();
        Counters.OnFinished();
        var ms = duration.TotalMilliseconds;
        var mean = Volatile.Read(ref _meanDurationMs);
        Volatile.Write(ref _meanDurationMs, double.IsNaN(mean) ? ms : mean + (ms - mean) * 0.1);
    }

    public void Dispose()
    {
        _concurrency?.Dispose();
        _rate?.Dispose();
    }

    private async ValueTask<RateLimitLease?> WaitForSlotAsync(TimeSpan remaining, CancellationToken cancellationToken)
    {
        if (Spec.QueueLimit == 0 || remaining <= TimeSpan.Zero)
        {
            return null;
        }

        Counters.OnQueued();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(remaining);
        try
        {
            var lease = await _concurrency!.AcquireAsync(1, timeout.Token);
            if (lease.IsAcquired)
            {
                return lease;
            }

            lease.Dispose();
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// When a slot frees is unknowable in advance; the mean duration of recent calls is the expected
    /// wait for the next one to end (one second before any call has finished).
    /// </summary>
    private TimeSpan EstimatedSlotWait()
    {
        var mean = Volatile.Read(ref _meanDurationMs);
        return double.IsNaN(mean) ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(Math.Max(1, mean));
    }

    /// <summary>Marks an admitted call that holds no concurrency slot.</summary>
    private sealed class NoLease : RateLimitLease
    {
        public static readonly NoLease Instance = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
