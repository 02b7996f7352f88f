using WarmKeeper.Core.KeepWarm;

namespace WarmKeeper.Core.Simulation;

/// <summary>One run to perform: a trace, a policy and the platform it runs on.</summary>
/// <param name="Trace">The demand to replay.</param>
/// <param name="Policy">Creates the policy for this run.</param>
/// <param name="Platform">The platform's constants (REAP above all).</param>
public sealed record SimulationRunRequest(DemandTrace Trace, IKeepWarmPolicyFactory Policy, PlatformOptions Platform);

/// <summary>Progress of a batch of runs.</summary>
/// <param name="Completed">Runs finished so far.</param>
/// <param name="Total">Runs in the batch.</param>
/// <param name="Latest">The run that just finished.</param>
public sealed record SimulationProgress(int Completed, int Total, SimulationResult Latest);

/// <summary>
/// Runs many (trace, policy, platform) combinations, in parallel across cores: each run is single-threaded and
/// independent (its own policy instance and state), so runs scale with cores and results do not depend on the
/// degree of parallelism.
/// </summary>
public sealed class SimulationRunner
{
    private readonly int _maxDegreeOfParallelism;

    /// <summary>Creates a runner using at most <paramref name="maxDegreeOfParallelism"/> cores (default: all).</summary>
    public SimulationRunner(int? maxDegreeOfParallelism = null)
    {
        if (maxDegreeOfParallelism is { } degree)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(degree, nameof(maxDegreeOfParallelism));
        }

        _maxDegreeOfParallelism = maxDegreeOfParallelism ?? System.Environment.ProcessorCount;
    }

    /// <summary>Every combination of the policies and REAP values over one trace, policies outermost.</summary>
    public static IReadOnlyList<SimulationRunRequest> Combine(DemandTrace trace, IEnumerable<IKeepWarmPolicyFactory> policies, IEnumerable<TimeSpan> reaps, PlatformOptions? platform = null)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(reaps);
        var reapList = reaps.ToArray();
        var template = platform ?? PlatformOptions.WithReap(TimeSpan.FromMinutes(10));
        return [.. policies.SelectMany(policy => reapList.Select(reap => new SimulationRunRequest(trace, policy, template with { ReapMs = (long)reap.TotalMilliseconds })))];
    }

    /// <summary>Runs every request; results come back in the order of <paramref name="runs"/>.</summary>
    /// <exception cref="ArgumentException">A request's platform options are invalid (checked before any run starts).</exception>
    public async Task<IReadOnlyList<SimulationResult>> RunAsync(IReadOnlyList<SimulationRunRequest> runs, IProgress<SimulationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var invalid = runs
            .Select((run, index) => (index, errors: run.Platform.Validate()))
            .Where(x => x.errors.Count > 0)
            .Select(x => $"runs[{x.index}]: {string.Join("; ", x.errors)}")
            .ToArray();
        if (invalid.Length > 0)
        {
            throw new ArgumentException("Invalid simulation runs: " + string.Join(" | ", invalid), nameof(runs));
        }

        var results = new SimulationResult[runs.Count];
        var completed = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = _maxDegreeOfParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, runs.Count), options, (index, token) =>
        {
            var run = runs[index];
            var result = PlatformSimulator.Run(run.Trace, run.Policy, run.Platform, token);
            results[index] = result;
            progress?.Report(new SimulationProgress(Interlocked.Increment(ref completed), runs.Count, result));
            return ValueTask.CompletedTask;
        }).ConfigureAwait(false);
        return results;
    }
}
