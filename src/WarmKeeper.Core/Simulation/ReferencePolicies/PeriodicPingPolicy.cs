using WarmKeeper.Core.Simulation.Adapters;

namespace WarmKeeper.Core.Simulation.ReferencePolicies;

/// <summary>
/// Pings every function at t = 0, P, 2P, … (within the horizon) with a fixed fan-out per function:
/// <c>ping-5min</c> (fan-out 1) and <c>ping-5min-peak</c> (fan-out = the function's peak concurrency).
/// </summary>
/// <remarks>The pings go through the agent's warm-up planner (<see cref="SimulatedWarmupPlanner"/>), as a warm-up policy's would.</remarks>
public sealed class PeriodicPingPolicy : ISimulationPolicy
{
    private readonly long _periodMs;
    private readonly int[] _fanOut;
    private readonly string _reason;
    private SimulatedWarmupPlanner? _planner;

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
    public PolicyInterest Interest => PolicyInterest.None;

    /// <inheritdoc />
    public void OnStart(PolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _planner = new SimulatedWarmupPlanner(context);
        PingAll(context);
    }

    /// <inheritdoc />
    public void OnTimer(PolicyContext context) => PingAll(context);

    /// <inheritdoc />
    public void OnObservation(PolicyContext context, in PolicyObservation observation)
    {
    }

    private void PingAll(PolicyContext context)
    {
        for (var function = 0; function < _fanOut.Length; function++)
        {
            _planner!.Run(function, _fanOut[function], inFlight: 0, _reason);
        }

        // Multiples of the period from 0, not "now + period", so a late call never drifts the schedule.
        context.ScheduleTimer((context.NowMs / _periodMs + 1) * _periodMs);
    }
}
