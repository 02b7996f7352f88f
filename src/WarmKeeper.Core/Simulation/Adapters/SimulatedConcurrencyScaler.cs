using WarmKeeper.Core.Demand;
using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Scaling;

namespace WarmKeeper.Core.Simulation.Adapters;

/// <summary>
/// Sets provisioned concurrency in a simulation through the agent's own decider (<see cref="ConcurrencyDecider.Decide"/>),
/// keeping the decider's state per function between calls as the agent's reconciler does: the simulator's
/// <see cref="KeepWarmContext.DecideProvisionedConcurrency"/>.
/// </summary>
internal sealed class SimulatedConcurrencyScaler
{
    private readonly SimulatedKeepWarmContext _context;
    private readonly ScalingState[] _states;

    /// <summary>Creates the scaler for one run; observation starts at t = 0.</summary>
    public SimulatedConcurrencyScaler(SimulatedKeepWarmContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _states = [.. context.Functions.Select(_ => new ScalingState(SimulationClock.Epoch))];
    }

    /// <summary>Decides a function's provisioned concurrency now with <paramref name="policy"/> and converges to it.</summary>
    /// <returns>The decider's decision, with its votes and reason.</returns>
    public ScalingDecision Decide(int function, ConcurrencyPolicy policy, IDemandHistory demand)
    {
        var current = _context.GetProvisionedConcurrency(function);
        var limits = new CapacityLimits(_context.GetReservedConcurrency(function), _context.AccountConcurrencyLimit);
        var decision = ConcurrencyDecider.Decide(new ScalingInputs(policy, current, demand, _states[function], limits, SimulationClock.At(_context.NowMs)));
        _states[function] = decision.NextState;
        if (decision.Changes)
        {
            _context.SetProvisionedConcurrency(function, decision.Desired, decision.Reason);
        }

        return decision;
    }
}
