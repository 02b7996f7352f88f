namespace WarmKeeper.Core.Simulation;

/// <summary>
/// Replays a <see cref="DemandTrace"/> against a policy on the README's platform model and reports counts and cost.
/// </summary>
/// <remarks>
/// <para>The model, event by event (all times in ms, deterministic):</para>
/// <list type="bullet">
/// <item>Each function owns a list of execution environments (busy_until, last_end, born, provisioned), kept in
/// creation order so that ties are broken the same way on every run.</item>
/// <item>Before routing at t (a user invocation or a ping), the function's idle environments are examined: one
/// with t − born ≥ LIFETIME is retired (a provisioned one is replaced in place, born at t); else an on-demand one
/// with t − last_end ≥ REAP is removed. Examining lazily, per function, at its own routings gives the same
/// routing outcomes as examining every environment at every event: an idle environment can only change state by
/// being routed to, and a routing examines it first.</item>
/// <item>Routing takes the first idle provisioned environment; else the idle on-demand one with the latest
/// last_end (the earliest-created on a tie); else creates one (cold start, busy until t + init + duration).</item>
/// <item>Concurrency: a new environment is refused (throttled, counted, not run, not billed) when it would take
/// the function beyond its reserved concurrency or the account beyond its limit. "In use" means every environment
/// of the account except idle on-demand ones: busy environments plus provisioned ones, which the platform holds
/// for their function whether busy or not. For the function itself this equals "all its environments", since a
/// new one is only needed when none of them is idle.</item>
/// <item>Events at the same t run in this order: provisioning that becomes ready, observations due (completions),
/// policy timers, then the arrivals of t in trace order; an action taken in any callback acts at once, so it
/// precedes every later arrival at the same t.</item>
/// </list>
/// <para>Billing is integer MB-ms internally, converted once at the end, so results are exactly reproducible.</para>
/// </remarks>
public static class PlatformSimulator
{
    /// <summary>Runs one policy over one trace on the given platform.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every invalid field.</exception>
    public static SimulationResult Run(DemandTrace trace, ISimulationPolicyFactory policy, PlatformOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid platform options: " + string.Join("; ", errors), nameof(options));
        }

        var run = new PlatformRun(trace, policy.Create(trace.Functions), options);
        return run.Execute(policy.Name, cancellationToken);
    }
}
