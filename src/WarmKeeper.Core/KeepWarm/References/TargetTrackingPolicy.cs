namespace WarmKeeper.Core.KeepWarm.References;

/// <summary>
/// The <c>aas-tt-0.7</c> reference policy: target tracking of provisioned-concurrency utilization as the cloud's
/// own auto scaling does it.
/// </summary>
/// <remarks>
/// PC = 1 at t = 0 for every function. At each minute boundary t, utilization = (sum of the durations of the
/// invocations that started on provisioned environments in [t − 60 s, t)) / (60 s × PC), capped at 1. After
/// 3 consecutive minutes above the target, or 15 consecutive minutes below 90% of it, PC := max(1, ceil(PC ×
/// utilization / target)) and that counter restarts.
/// <para>The policy learns a duration only when the run completes, so at t it counts the invocations of the window
/// that have ended by t; one still running at t is never counted. The README's reference numbers count it with its
/// full duration (they see one duration into the future): with the honest reading the counts are the same on every
/// reference row and bursty-24h costs $1.0605 instead of $1.0616 (0.1% less provisioned concurrency billed).</para>
/// </remarks>
public sealed class TargetTrackingPolicy : IKeepWarmPolicy
{
    private readonly double _target;
    private readonly double _scaleInThreshold;
    private readonly long _windowMs;
    private readonly int _scaleOutPeriods;
    private readonly int _scaleInPeriods;
    private List<(long ArrivalMs, int DurationMs)>[] _completed = [];
    private int[] _above = [];
    private int[] _below = [];

    /// <summary>Creates the policy.</summary>
    /// <param name="target">Target utilization in (0, 1].</param>
    /// <param name="scaleInRatio">Scale-in happens below <c>target × scaleInRatio</c>.</param>
    /// <param name="windowMs">Evaluation period.</param>
    /// <param name="scaleOutPeriods">Consecutive periods above target before scaling out.</param>
    /// <param name="scaleInPeriods">Consecutive periods below the scale-in threshold before scaling in.</param>
    public TargetTrackingPolicy(double target = 0.7, double scaleInRatio = 0.9, long windowMs = 60_000, int scaleOutPeriods = 3, int scaleInPeriods = 15)
    {
        if (target is <= 0 or > 1 || double.IsNaN(target))
        {
            throw new ArgumentOutOfRangeException(nameof(target), target, "Target utilization must be in (0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scaleInRatio);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowMs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scaleOutPeriods);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scaleInPeriods);
        _target = target;
        _scaleInThreshold = target * scaleInRatio;
        _windowMs = windowMs;
        _scaleOutPeriods = scaleOutPeriods;
        _scaleInPeriods = scaleInPeriods;
    }

    /// <inheritdoc />
    public KeepWarmInterest Interest => KeepWarmInterest.Completions;

    /// <inheritdoc />
    public void OnStart(KeepWarmContext context)
    {
        var count = context.Functions.Count;
        _completed = new List<(long, int)>[count];
        _above = new int[count];
        _below = new int[count];
        for (var function = 0; function < count; function++)
        {
            _completed[function] = [];
            context.SetProvisionedConcurrency(function, 1);
        }

        context.ScheduleTimer(_windowMs);
    }

    /// <inheritdoc />
    public void OnObservation(KeepWarmContext context, in KeepWarmObservation observation)
    {
        if (observation is { Kind: ObservationKind.InvocationCompleted, Start: StartKind.Provisioned })
        {
            _completed[observation.FunctionIndex].Add((observation.ArrivalMs, observation.DurationMs));
        }
    }

    /// <inheritdoc />
    public void OnTimer(KeepWarmContext context)
    {
        var now = context.NowMs;
        var windowStart = now - _windowMs;
        for (var function = 0; function < _completed.Length; function++)
        {
            var provisioned = context.GetProvisionedConcurrency(function);
            var busyMs = 0L;
            var completed = _completed[function];
            var keep = 0;
            for (var i = 0; i < completed.Count; i++)
            {
                var (arrival, duration) = completed[i];
                if (arrival >= now)
                {
                    // Started at the boundary itself (a zero-length run): it belongs to the next window.
                    completed[keep++] = completed[i];
                }
                else if (arrival >= windowStart)
                {
                    busyMs += duration;
                }
            }

            completed.RemoveRange(keep, completed.Count - keep);
            var utilization = provisioned == 0 ? 1.0 : Math.Min(1.0, busyMs / (double)(_windowMs * provisioned));
            if (utilization > _target)
            {
                _above[function]++;
                _below[function] = 0;
            }
            else if (utilization < _scaleInThreshold)
            {
                _below[function]++;
                _above[function] = 0;
            }
            else
            {
                _above[function] = 0;
                _below[function] = 0;
            }

            if (_above[function] >= _scaleOutPeriods || _below[function] >= _scaleInPeriods)
            {
                var scaleOut = _above[function] >= _scaleOutPeriods;
                _above[function] = 0;
                _below[function] = 0;
                var desired = Math.Max(1, (int)Math.Ceiling(provisioned * utilization / _target));
                if (desired != provisioned)
                {
                    var reason = scaleOut
                        ? $"utilization above {_target:0.##} for {_scaleOutPeriods} periods, last {utilization:0.###}"
                        : $"utilization below {_scaleInThreshold:0.###} for {_scaleInPeriods} periods, last {utilization:0.###}";
                    context.SetProvisionedConcurrency(function, desired, reason);
                }
            }
        }

        context.ScheduleTimer(now + _windowMs);
    }
}
