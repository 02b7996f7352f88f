using System.Globalization;
using WarmKeeper.Core.Adaptive;
using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Simulation;
using Xunit.Abstractions;

namespace WarmKeeper.Core.Tests.Simulation;

/// <summary>
/// The goal, on every shared trace and every REAP: <c>adaptive</c> has no more user-visible cold starts than any
/// reference that does not know the future, strictly fewer than each that has any, at no more cost than the
/// <c>ping-5min-peak</c> oracle.
/// </summary>
public sealed class AdaptiveBenchmarkTests(SharedTracesFixture traces, ITestOutputHelper output) : IClassFixture<SharedTracesFixture>
{
    private static readonly TimeSpan[] Reaps = [TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)];

    [Theory]
    [InlineData("mixed-24h")]
    [InlineData("bursty-24h")]
    [InlineData("sparse-24h")]
    public async Task Adaptive_beats_every_fair_reference_within_the_oracles_budget(string traceName)
    {
        var trace = traces.Get(traceName);
        await AssertGoalAsync(trace, traceName);
    }

    /// <summary>
    /// Traces it was not tuned to, from the repository's own generator: every mixed, bursty and population trace of the
    /// first seeds. (Sparse traces are left to the benchmark: there a strict "fewer" can hang on one user arriving within
    /// a keep-alive's 100 ms, as it does for the references.)
    /// </summary>
    [Theory]
    [InlineData("mixed", 1UL)]
    [InlineData("mixed", 2UL)]
    [InlineData("bursty", 1UL)]
    [InlineData("bursty", 2UL)]
    [InlineData("population", 1UL)]
    public async Task Adaptive_meets_the_goal_on_generated_traces(string family, ulong seed)
    {
        var trace = WarmKeeper.Core.Simulation.Synthetic.SyntheticFamilies.Generate(family, seed).Trace;
        await AssertGoalAsync(trace, $"{family}-{seed}");
    }

    [Fact]
    public void The_goal_names_each_clause_a_policy_misses()
    {
        var trace = traces.Get("sparse-24h");
        var platform = PlatformOptions.WithReap(TimeSpan.FromMinutes(10));
        string[] names = [.. AdaptiveGoal.References, "pc-static-peak"];
        var results = names.ToDictionary(n => n, n => PlatformSimulator.Run(trace, PolicyCatalog.Get(n, trace), platform));

        // Doing nothing: not fewer than itself, cold starts where ping-5min and aas-tt-0.7 have none; cheaper than the oracle.
        var none = AdaptiveGoal.Judge(results["none"], results);
        Assert.Equal(
            [(GoalClause.FewerColdStarts, "none"), (GoalClause.NoColdStarts, "ping-5min"), (GoalClause.NoColdStarts, "aas-tt-0.7")],
            none.Select(m => (m.Clause, m.Reference)));
        Assert.Equal(181, none[1].Candidate);

        // Static provisioning at the peak: no cold starts, but it costs far more than the oracle.
        var miss = Assert.Single(AdaptiveGoal.Judge(results["pc-static-peak"], results));
        Assert.Equal(GoalClause.NoMoreCost, miss.Clause);
        Assert.Contains("more than ping-5min-peak's", miss.ToString(), StringComparison.Ordinal);
    }

    private async Task AssertGoalAsync(DemandTrace trace, string traceName)
    {
        string[] names = [.. AdaptiveGoal.References, AdaptivePolicy.Name];
        var runs = SimulationRunner.Combine(trace, names.Select(n => PolicyCatalog.Get(n, trace)), Reaps);
        var results = await new SimulationRunner().RunAsync(runs, null, CancellationToken.None);

        foreach (var byReap in results.GroupBy(r => r.ReapMs))
        {
            var adaptive = byReap.Single(r => r.Policy == AdaptivePolicy.Name);
            var references = byReap.Where(r => r.Policy != AdaptivePolicy.Name).ToDictionary(r => r.Policy);
            var oracle = references[AdaptiveGoal.Oracle];
            var fair = string.Join("; ", AdaptiveGoal.Fair.Select(f => $"{f} {references[f].ColdStarts}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{traceName} REAP {byReap.Key / 60_000} min: adaptive {adaptive.ColdStarts} cold ${adaptive.CostUsd:0.000000}; oracle {oracle.ColdStarts} cold ${oracle.CostUsd:0.000000}; {fair}"));

            Assert.Equal(adaptive.Invocations, adaptive.ColdStarts + adaptive.WarmStarts + adaptive.Throttles);
            Assert.Equal(0, adaptive.Throttles);
            Assert.Empty(AdaptiveGoal.Judge(adaptive, references).Select(m => $"REAP {byReap.Key / 60_000} min: {m}"));
        }
    }
}
