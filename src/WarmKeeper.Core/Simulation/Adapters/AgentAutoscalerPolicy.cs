using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Scaling;

namespace WarmKeeper.Core.Simulation.Adapters;

/// <summary>
/// The agent's own concurrency autoscaler with a given <see cref="ConcurrencyPolicy"/> on every function
/// (<c>agent-tt</c>: its defaults), deciding every reconcile interval through <see cref="ConcurrencyDecider"/>
/// over the demand the observations show: what a user gets from the autoscaler alone. Not a reference policy: it
/// puts the agent's autoscaler into the simulator's comparisons.
/// </summary>
public sealed class AgentAutoscalerPolicy : IKeepWarmPolicy
{
    private readonly Func<KeepWarmFunction, ConcurrencyPolicy> _policyFor;
    private readonly long _intervalMs;
    private ObservedDemand? _demand;
    private ConcurrencyPolicy[] _policies = [];

    /// <summary>Creates the policy.</summary>
    /// <param name="policyFor">The concurrency policy of each function.</param>
    /// <param name="intervalMs">How often the reconciler decides.</param>
    public AgentAutoscalerPolicy(Func<KeepWarmFunction, ConcurrencyPolicy> policyFor, long intervalMs = 10_000)
    {
        ArgumentNullException.ThrowIfNull(policyFor);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(intervalMs);
        _policyFor = policyFor;
        _intervalMs = intervalMs;
    }

    /// <summary>The agent's default concurrency policy for a function.</summary>
    public static ConcurrencyPolicy Defaults(KeepWarmFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return new ConcurrencyPolicy { Id = "simulation", Target = SimulatedKeepWarmContext.TargetName, Function = function.Name, Qualifier = "live", Max = 1000 };
    }

    /// <inheritdoc />
    public KeepWarmInterest Interest => KeepWarmInterest.Arrivals | KeepWarmInterest.Completions;

    /// <inheritdoc />
    public void OnStart(KeepWarmContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _demand = new ObservedDemand(context);
        _policies = [.. context.Functions.Select(_policyFor)];
        context.ScheduleTimer(_intervalMs);
    }

    /// <inheritdoc />
    public void OnTimer(KeepWarmContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        for (var function = 0; function < _policies.Length; function++)
        {
            context.DecideProvisionedConcurrency(function, _policies[function], _demand!.For(function));
        }

        context.ScheduleTimer(context.NowMs + _intervalMs);
    }

    /// <inheritdoc />
    public void OnObservation(KeepWarmContext context, in KeepWarmObservation observation) => _demand!.Observe(observation);
}
