using System.Diagnostics;
using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.KeepWarm.References;
using WarmKeeper.Core.Simulation;
using Xunit.Abstractions;

namespace WarmKeeper.Core.Tests.Simulation;

/// <summary>
/// The benchmark the README describes: every reference policy at REAP = 5, 10 and 30 min over the largest trace.
/// It prints the table and the time taken (no timing is asserted); run it with
/// <c>dotnet test tests/WarmKeeper.Core.Tests -c Release --filter "FullyQualifiedName~ReferenceBenchmark" --logger "console;verbosity=detailed"</c>.
/// </summary>
public sealed class ReferenceBenchmarkTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_reference_policy_at_every_reap_over_the_mixed_trace()
    {
        var clock = Stopwatch.StartNew();
        var trace = TraceReader.Read(TraceLocator.Trace("mixed-24h"));
        var read = clock.Elapsed;
        var runs = SimulationRunner.Combine(trace, ReferencePolicyCatalog.All(trace), [TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)]);

        clock.Restart();
        var results = await new SimulationRunner().RunAsync(runs, null, CancellationToken.None);
        var simulate = clock.Elapsed;

        foreach (var result in results)
        {
            output.WriteLine($"{result.Policy,-15} REAP {result.ReapMs / 60_000,2} min  cold {result.ColdStarts,4}  warm {result.WarmStarts,6}  pings {result.Pings,5} (cold {result.ColdPings,3})  throttles {result.Throttles}  ${result.CostUsd:F4}");
        }

        output.WriteLine($"read {trace.InvocationCount:N0} invocations in {read.TotalMilliseconds:F0} ms; {runs.Count} runs in {simulate.TotalMilliseconds:F0} ms on {Environment.ProcessorCount} cores");

        Assert.All(results, r => Assert.Equal(402_515, r.ColdStarts + r.WarmStarts + r.Throttles));
        // Keeping idle environments longer never costs a cold start on this trace, for any reference policy.
        foreach (var policy in results.GroupBy(r => r.Policy))
        {
            var coldByReap = policy.OrderBy(r => r.ReapMs).Select(r => r.ColdStarts).ToArray();
            Assert.Equal(coldByReap.OrderDescending(), coldByReap);
        }
    }
}
