using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Warmup;

namespace WarmKeeper.Core.Simulation.Adapters;

/// <summary>
/// Sends warm-up pings in a simulation through the agent's own planner (<see cref="WarmupRun"/>, which caps the
/// fan-out by <see cref="FanOutHeadroom"/>), so a simulated policy pings exactly as the agent would: the simulator's
/// <see cref="KeepWarmContext.WarmUp"/>.
/// </summary>
internal sealed class SimulatedWarmupPlanner
{
    private readonly SimulatedKeepWarmContext _context;
    private readonly WarmupRun _run;

    /// <summary>Creates the planner for one run.</summary>
    public SimulatedWarmupPlanner(SimulatedKeepWarmContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _run = new WarmupRun(new SimulatedWarmupPinger(context), new SimulationClock(context));
    }

    /// <summary>Runs one warm-up of <paramref name="fanOut"/> concurrent pings on a function now.</summary>
    /// <param name="function">Index of the function.</param>
    /// <param name="fanOut">Environments to keep warm.</param>
    /// <param name="inFlight">User invocations of the function running now, as the caller knows them (headroom).</param>
    /// <param name="reason">Why; recorded with the decision.</param>
    /// <returns>The planner's report.</returns>
    public WarmupRunReport Run(int function, int fanOut, int inFlight, string reason)
    {
        var policy = new WarmupPolicy
        {
            Id = "simulation",
            Target = SimulatedKeepWarmContext.TargetName,
            Function = _context.Functions[function].Name,
            Schedule = "* * * * *",
            FanOut = fanOut,
            PayloadFormat = WarmupPayloadFormat.WarmKeeper,
        };
        var headroom = new Headroom(_context.GetReservedConcurrency(function), _context.AccountConcurrencyLimit, inFlight);
        var pending = _run.ExecuteAsync(policy, headroom, CancellationToken.None);
        if (!pending.IsCompleted)
        {
            // The simulated pinger never awaits, so the planner completes synchronously; anything else is a bug.
            throw new InvalidOperationException("The warm-up planner did not complete synchronously in a simulation.");
        }

        var report = pending.GetAwaiter().GetResult();
        if (report.Sent > 0)
        {
            _context.RecordDecision(PolicyDecisionKind.Ping, function, report.Sent, report.Capped ? $"{reason}; {report.CapReason}" : reason);
        }

        return report;
    }
}
