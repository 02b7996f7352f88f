using System.Globalization;
using WarmKeeper.Core.Simulation;
using WarmKeeper.Core.Simulation.Policies;
using Xunit.Abstractions;

namespace WarmKeeper.Core.Tests.Simulation;

/// <summary>
/// The goal, on every shared trace and every REAP: <c>adaptive</c> has no more user-visible cold starts than any
/// reference that does not know the future, strictly fewer than each that has any, at no more cost than the
/// <c>ping-5min-peak</c> oracle.
/// </summary>
public sealed class AdaptiveBenchmarkTests(SharedTracesFixture traces, ITestOutputHelper output) : IClassFixture<SharedTracesFixture>
{
    private static readonly string[] Fair = ["none", "ping-5min", "aas-tt-0.7"];

    [Theory]
    [InlineData("mixed-24h")]
    [InlineData("bursty-24h")]
    [InlineData("sparse-24h")]
    public async Task Adaptive_beats_every_fair_reference_within_the_oracles_budget(string traceName)
    {
        var trace = traces.Get(traceName);
        string[] names = [.. Fair, "ping-5min-peak", AdaptivePolicy.Name];
        var runs = SimulationRunner.Combine(trace, names.Select(n => PolicyCatalog.Get(n, trace)), [TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)]);
        var results = await new SimulationRunner().RunAsync(runs, null, CancellationToken.None);

        foreach (var byReap in results.GroupBy(r => r.ReapMs))
        {
            var adaptive = byReap.Single(r => r.Policy == AdaptivePolicy.Name);
            var oracle = byReap.Single(r => r.Policy == "ping-5min-peak");
            var fair = string.Join("; ", byReap.Where(r => Fair.Contains(r.Policy)).Select(r => $"{r.Policy} {r.ColdStarts}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{traceName} REAP {byReap.Key / 60_000} min: adaptive {adaptive.ColdStarts} cold ${adaptive.CostUsd:0.000000}; oracle {oracle.ColdStarts} cold ${oracle.CostUsd:0.000000}; {fair}"));

            Assert.Equal(adaptive.Invocations, adaptive.ColdStarts + adaptive.WarmStarts + adaptive.Throttles);
            Assert.Equal(0, adaptive.Throttles);
            foreach (var reference in byReap.Where(r => Fair.Contains(r.Policy)))
            {
                Assert.True(reference.ColdStarts == 0 ? adaptive.ColdStarts == 0 : adaptive.ColdStarts < reference.ColdStarts,
                    $"REAP {byReap.Key / 60_000} min: adaptive has {adaptive.ColdStarts} cold starts, {reference.Policy} {reference.ColdStarts}");
            }

            Assert.True(adaptive.CostUsd <= oracle.CostUsd,
                $"REAP {byReap.Key / 60_000} min: adaptive costs ${adaptive.CostUsd:0.000000}, the oracle ${oracle.CostUsd:0.000000}");
        }
    }
}
