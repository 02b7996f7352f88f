using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.KeepWarm.References;
using WarmKeeper.Core.Simulation;
using WarmKeeper.Core.Simulation.Adapters;
using static WarmKeeper.Core.Tests.Simulation.SimulationTestKit;

namespace WarmKeeper.Core.Tests.Simulation;

/// <summary>The simulator runs the agent's own planner and decider: their rules show in simulated runs.</summary>
public sealed class ProductionAdapterTests
{
    private static readonly TraceFunction Function = new("api", 512, 300);

    [Fact]
    public void A_simulated_fan_out_is_capped_by_the_planners_headroom_rule()
    {
        var trace = Trace(Function, (10 * Minute, 100));
        var policy = new ScriptedPolicy().AtStart(c => c.WarmUp(0, 10, inFlight: 0, "test"));

        var result = Run(trace, policy, configure: o => o with { ReservedConcurrency = new Dictionary<string, int> { ["api"] = 4 } });

        // Reserved 4 minus nothing in flight minus the planner's margin of 1.
        Assert.Equal(3, result.Pings);
        var decision = Assert.Single(result.Decisions);
        Assert.Equal(3, decision.Value);
        Assert.Contains("capped at 3 of 10", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Pings_of_one_run_land_on_distinct_environments()
    {
        var trace = Trace(Function, (Minute, 100), (Minute, 100), (Minute, 100));
        var policy = new ScriptedPolicy().AtStart(c => c.WarmUp(0, 3, inFlight: 0, "test"));

        var result = Run(trace, policy);

        Assert.Equal(3, result.ColdPings);
        Assert.Equal(0, result.ColdStarts);
    }

    [Fact]
    public void The_agents_autoscaler_provisions_through_the_decider_and_explains_itself()
    {
        var rows = Enumerable.Range(0, 600).SelectMany(i => new[] { (i * 1000L, 3000), (i * 1000L, 3000) }).ToArray();
        var trace = Trace(Function, rows);

        var result = PlatformSimulator.Run(trace, PolicyCatalog.Get(PolicyCatalog.AgentAutoscaler, trace), PlatformOptions.WithReap(TimeSpan.FromMinutes(10)));

        var provisioning = result.Decisions.Where(d => d.Kind == PolicyDecisionKind.SetProvisionedConcurrency).ToList();
        Assert.NotEmpty(provisioning);
        Assert.All(provisioning, d => Assert.Matches(@"^\d+ → \d+: ", d.Reason!));
        Assert.True(result.Counts.ProvisionedStarts > 0);
    }

    [Fact]
    public void The_ping_references_run_through_the_planner_and_keep_one_decision_a_function_a_period()
    {
        var trace = Trace(Function, (Minute, 100));
        var result = PlatformSimulator.Run(trace, ReferencePolicyCatalog.Get("ping-5min", trace), PlatformOptions.WithReap(TimeSpan.FromMinutes(10)));

        Assert.Equal(288, result.Decisions.Count);
        Assert.Equal(288, result.Pings);
    }
}
