using WarmKeeper.Core.Scaling;
using WarmKeeper.Core.Simulation.Adapters;

namespace WarmKeeper.Core.Simulation.ReferencePolicies;

/// <summary>
/// The agent's own concurrency autoscaler with a given <see cref="ConcurrencyPolicy"/> on every function
/// (<c>agent-tt</c>: its defaults), deciding every reconcile interval through <see cref="ConcurrencyDecider"/>
/// over the demand the observations show: what a user gets from the autoscaler alone.
/// </summary>
public sealed class AgentAutoscalerPolicy : ISimulationPolicy
{
    private readonly Func<TraceFunction, ConcurrencyPolicy> _policyFor;
    private readonly long _intervalMs;
    private ObservedDemand? _demand;
    private SimulatedConcurrencyScaler? _scaler;
    private ConcurrencyPolicy[] _policies = [];

    /// <summary>Creates the policy.</summary>
    /// <param name="policyFor">The concurrency policy of each function.</param>
    /// <param name="intervalMs">How often the reconciler decides.</param>
    public AgentAutoscalerPolicy(Func<TraceFunction, ConcurrencyPolicy> policyFor, long intervalMs = 10_000)
    {
        ArgumentNullException.ThrowIfNull(policyFor);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(intervalMs);
        _policyFor = policyFor;
        _intervalMs = intervalMs;
    }

    /// <summary>The agent's default concurrency policy for a function.</summary>
    public static ConcurrencyPolicy Defaults(TraceFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new ConcurrencyPolicy { Id = "simulation", Target = SimulatedWarmupPlanner.TargetName, Function = function.Name, Qualifier = "live", Max = 1000 };
    }

    /// <inheritdoc />
    public PolicyInterest Interest => PolicyInterest.Arrivals | PolicyInterest.Completions;

    /// <inheritdoc />
    public void OnStart(PolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _demand = new ObservedDemand(context.Functions);
        _scaler = new SimulatedConcurrencyScaler(context);
        _policies = [.. context.Functions.Select(_policyFor)];
        context.ScheduleTimer(_intervalMs);
    }

    /// <inheritdoc />
    public void OnTimer(PolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        for (var function = 0; function < _policies.Length; function++)
        {
            _scaler!.Decide(function, _policies[function], _demand!.For(function));
        }

        context.ScheduleTimer(context.NowMs + _intervalMs);
    }

    /// <inheritdoc />
    public void OnObservation(PolicyContext context, in PolicyObservation observation) => _demand!.Observe(observation);
}
