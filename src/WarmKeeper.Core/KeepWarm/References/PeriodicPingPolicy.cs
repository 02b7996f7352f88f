namespace WarmKeeper.Core.KeepWarm.References;

/// <summary>
/// Pings every function at t = 0, P, 2P, … (within the horizon) with a fixed fan-out per function:
/// <c>ping-5min</c> (fan-out 1) and <c>ping-5min-peak</c> (fan-out = the function's peak concurrency).
/// </summary>
/// <remarks>The pings go through the agent's warm-up planner (<see cref="KeepWarmContext.WarmUp"/>), as a warm-up policy's would.</remarks>
public sealed class PeriodicPingPolicy : IKeepWarmPolicy
{
    private readonly long _periodMs;
    private readonly int[] _fanOut;
    private readonly string _reason;

    /// <summary>Creates the policy.</summary>
    /// <param name="periodMs">Time between pings; positive.</param>
    /// <param name="fanOutPerFunction">Fan-out for each function, by index; 0 skips the function.</param>
    public PeriodicPingPolicy(long periodMs, IReadOnlyList<int> fanOutPerFunction)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(periodMs);
        ArgumentNullException.ThrowIfNull(fanOutPerFunction);
        _periodMs = periodMs;
        _fanOut = [.. fanOutPerFunction];
        _reason = $"scheduled ping every {TimeSpan.FromMilliseconds(periodMs)}";
    }

    /// <inheritdoc />
    public KeepWarmInterest Interest => KeepWarmInterest.None;

    /// <inheritdoc />
    public void OnStart(KeepWarmContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        PingAll(context);
    }

    /// <inheritdoc />
    public void OnTimer(KeepWarmContext context) => PingAll(context);

    /// <inheritdoc />
    public void OnObservation(KeepWarmContext context, in KeepWarmObservation observation)
    {
    }

    private void PingAll(KeepWarmContext context)
    {
        for (var function = 0; function < _fanOut.Length; function++)
        {
            context.WarmUp(function, _fanOut[function], inFlight: 0, _reason);
        }

        // Multiples of the period from 0, not "now + period", so a late call never drifts the schedule.
        context.ScheduleTimer((context.NowMs / _periodMs + 1) * _periodMs);
    }
}
