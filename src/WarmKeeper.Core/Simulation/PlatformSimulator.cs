using WarmKeeper.Core.KeepWarm;

namespace WarmKeeper.Core.Simulation;

/// <summary>
/// Replays a <see cref="DemandTrace"/> against a policy on the README's platform model and reports counts and cost.
/// </summary>
/// <remarks>
/// <para>The model, event by event (all times in ms, deterministic):</para>
/// <list type="bullet">
/// <item>Each function owns its execution environments (busy_until, last_end, born, provisioned) and numbers them in
/// creation order; a provisioned environment replaced at its lifetime keeps its predecessor's number.</item>
/// <item>Before each routing for a function at t (a user invocation or a ping), that function's idle environments
/// (busy_until ≤ t) are examined: one with t − born ≥ LIFETIME is retired (a provisioned one is replaced at once,
/// born at t); else an on-demand one with t − last_end ≥ REAP is removed.</item>
/// <item>Routing takes the earliest-created idle provisioned environment; else the idle on-demand one with the
/// latest last_end, the earliest-created on a tie; else creates one (a cold start, busy until t + init + duration).</item>
/// <item>A new environment is refused (throttled: counted, not run, not billed) when it would take the function past
/// its reserved concurrency or the account past its limit. In use are busy environments and provisioned ones (held
/// for their function whether busy or not); idle on-demand ones are not. For the function itself this is simply
/// all its environments, since a new one is only needed when none is idle.</item>
/// <item>At one instant, events run in this order: provisioning that becomes ready, due observations (completions),
/// policy timers, then that instant's arrivals in trace order. An action taken in any callback acts at once, so it
/// precedes every later arrival at the same instant.</item>
/// <item>Provisioned concurrency set to N at t: billing of N runs from t to the horizon (a change adds or removes the
/// rest); an increase is ready at t + 90 s as new environments born then; a decrease first cancels increases not yet
/// ready (latest first), then turns the newest provisioned environments (busy or idle) into on-demand ones. Values
/// above the function's reserved concurrency are refused; the account limit is not checked when provisioned
/// environments are created (the platform would refuse such a configuration up front, not throttle it).</item>
/// </list>
/// <para>Where the README leaves room, the reference results decided (see the tests in ReferenceResultsTests):</para>
/// <list type="bullet">
/// <item>Ties in last_end go to the earliest-created environment: taking the latest-created instead changes the
/// counts (mixed-24h none gives 483 cold, not 484; ping-5min-peak 93, not 98).</item>
/// <item>Examining only the routed function's environments gives the same numbers on every reference trace and REAP
/// as examining the whole account at every routing; it differs only in the birth time of a provisioned replacement,
/// which matters only if that environment is later demoted. The cheaper reading is taken.</item>
/// <item>Which environments count toward the account limit cannot be decided: no reference run comes near 1,000
/// environments (at most about 175). The reading above follows the platform (busy plus provisioned).</item>
/// <item>Which provisioned environments a decrease demotes, and which idle provisioned one is taken, change nothing
/// in the reference results.</item>
/// </list>
/// <para>Cost: state per function is kept in heaps and a sorted array (see the private FunctionState), so routing is
/// O(log n) in the function's environments; billing is integer MB-ms, converted once at the end, so results are
/// exactly reproducible. The whole reference benchmark (mixed-24h, 5 policies × 3 REAP) runs in about a second on
/// two cores.</para>
/// </remarks>
public static class PlatformSimulator
{
    /// <summary>Runs one policy over one trace on the given platform.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every invalid field.</exception>
    public static SimulationResult Run(DemandTrace trace, IKeepWarmPolicyFactory policy, PlatformOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid platform options: " + string.Join("; ", errors), nameof(options));
        }

        KeepWarmFunction[] functions = [.. trace.Functions.Select(f => new KeepWarmFunction(f.Name, f.MemoryMb, f.InitMs))];
        var run = new PlatformRun(trace, functions, policy.Create(functions), options);
        return run.Execute(policy.Name, cancellationToken);
    }
}
