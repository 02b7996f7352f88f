using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.KeepWarm.References;
using WarmKeeper.Core.Simulation;

namespace WarmKeeper.Core.Tests.Simulation;

public sealed class SimulationRunnerTests(SharedTracesFixture traces) : IClassFixture<SharedTracesFixture>
{
    private static readonly TimeSpan[] Reaps = [TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)];

    [Fact]
    public async Task Runs_every_policy_and_reap_in_order_with_progress_and_the_same_results_as_one_by_one()
    {
        var trace = traces.Get("bursty-24h");
        var runs = SimulationRunner.Combine(trace, ReferencePolicyCatalog.All(trace), Reaps);
        var reports = new List<SimulationProgress>();
        var progress = new SynchronousProgress(reports);

        var results = await new SimulationRunner(maxDegreeOfParallelism: 2).RunAsync(runs, progress, CancellationToken.None);

        Assert.Equal(15, results.Count);
        Assert.Equal(
            ReferencePolicyCatalog.Names.SelectMany(name => Reaps.Select(reap => (name, (long)reap.TotalMilliseconds))),
            results.Select(r => (r.Policy, r.ReapMs)));
        Assert.Equal(Enumerable.Range(1, 15), reports.Select(r => r.Completed).Order());
        Assert.All(reports, r => Assert.Equal(15, r.Total));
        // Parallel runs share nothing: a sample of them alone gives the same numbers.
        for (var i = 0; i < runs.Count; i += 4)
        {
            var alone = PlatformSimulator.Run(runs[i].Trace, runs[i].Policy, runs[i].Platform);
            Assert.Equal(alone.Counts, results[i].Counts);
            Assert.Equal(alone.Cost, results[i].Cost);
        }

        // A longer REAP keeps environments longer: never more cold starts for the same policy.
        foreach (var policy in results.GroupBy(r => r.Policy))
        {
            var byReap = policy.OrderBy(r => r.ReapMs).Select(r => r.ColdStarts).ToArray();
            Assert.True(byReap.SequenceEqual(byReap.OrderDescending()), $"{policy.Key}: {string.Join(", ", byReap)}");
        }
    }

    [Fact]
    public async Task Invalid_runs_are_refused_before_any_starts()
    {
        var trace = traces.Get("sparse-24h");
        var runs = SimulationRunner.Combine(trace, ReferencePolicyCatalog.All(trace), [TimeSpan.FromMinutes(10), TimeSpan.Zero]);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new SimulationRunner().RunAsync(runs, null, CancellationToken.None));

        Assert.Contains("runs[1]: ReapMs: must be positive", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_batch_stops()
    {
        var trace = traces.Get("sparse-24h");
        var runs = SimulationRunner.Combine(trace, ReferencePolicyCatalog.All(trace), Reaps);
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new SimulationRunner().RunAsync(runs, null, cancellation.Token));
    }

    private sealed class SynchronousProgress(List<SimulationProgress> reports) : IProgress<SimulationProgress>
    {
        public void Report(SimulationProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
