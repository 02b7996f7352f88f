using System.Diagnostics;

namespace WarmKeeper.Benchmarks;

/// <summary>Latency percentiles and throughput of one operation run by N concurrent workers.</summary>
public sealed record LoadResult(string Name, int Concurrency, int Operations, TimeSpan Elapsed, double P50Ms, double P99Ms)
{
    public double ThroughputPerSecond => Operations / Elapsed.TotalSeconds;
}

public static class LoadMeasurement
{
    /// <summary>Runs <paramref name="operation"/> from <paramref name="concurrency"/> workers for <paramref name="duration"/>.</summary>
    public static async Task<LoadResult> RunAsync(
        string name, int concurrency, TimeSpan duration, Func<CancellationToken, Task> operation, CancellationToken cancellationToken)
    {
        var perWorker = new List<long>[concurrency];
        var started = Stopwatch.GetTimestamp();
        var stopAt = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = new Task[concurrency];
        for (var w = 0; w < concurrency; w++)
        {
            var samples = perWorker[w] = new List<long>(4096);
            workers[w] = Task.Run(async () =>
            {
                while (Stopwatch.GetTimestamp() < stopAt && !cancellationToken.IsCancellationRequested)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    await operation(cancellationToken);
                    samples.Add(Stopwatch.GetTimestamp() - t0);
                }
            }, cancellationToken);
        }

        await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var all = perWorker.SelectMany(s => s).ToArray();
        Array.Sort(all);
        return new LoadResult(name, concurrency, all.Length, elapsed, PercentileMs(all, 0.50), PercentileMs(all, 0.99));
    }

    public static double PercentileMs(long[] sortedTicks, double p)
    {
        if (sortedTicks.Length == 0)
        {
            return double.NaN;
        }

        var index = (int)Math.Ceiling(p * sortedTicks.Length) - 1;
        return sortedTicks[Math.Clamp(index, 0, sortedTicks.Length - 1)] * 1000.0 / Stopwatch.Frequency;
    }

    public static double PercentileMs(IReadOnlyList<double> sortedMs, double p)
    {
        if (sortedMs.Count == 0)
        {
            return double.NaN;
        }

        var index = (int)Math.Ceiling(p * sortedMs.Count) - 1;
        return sortedMs[Math.Clamp(index, 0, sortedMs.Count - 1)];
    }

    /// <summary>
    /// Measures A and B in alternating rounds (A B A B …) and merges each side's rounds, so that
    /// whatever else the shared machine does lands on both sides alike.
    /// </summary>
    public static async Task<(LoadResult A, LoadResult B)> SideBySideAsync(
        string nameA, Func<CancellationToken, Task> a,
        string nameB, Func<CancellationToken, Task> b,
        int concurrency, int rounds, TimeSpan roundDuration, CancellationToken cancellationToken)
    {
        // Warm both paths (JIT, connections) before anything counts.
        await RunAsync(nameA, concurrency, TimeSpan.FromMilliseconds(500), a, cancellationToken);
        await RunAsync(nameB, concurrency, TimeSpan.FromMilliseconds(500), b, cancellationToken);

        var resultsA = new List<LoadResult>();
        var resultsB = new List<LoadResult>();
        for (var round = 0; round < rounds; round++)
        {
            resultsA.Add(await RunAsync(nameA, concurrency, roundDuration, a, cancellationToken));
            resultsB.Add(await RunAsync(nameB, concurrency, roundDuration, b, cancellationToken));
        }

        return (Merge(resultsA), Merge(resultsB));
    }

    /// <summary>
    /// <see cref="SideBySideAsync"/> for any number of operations: each round runs every one in
    /// turn, and each one's rounds are merged.
    /// </summary>
    public static async Task<IReadOnlyList<LoadResult>> InterleavedAsync(
        IReadOnlyList<(string Name, Func<CancellationToken, Task> Operation)> operations,
        int concurrency, int rounds, TimeSpan roundDuration, CancellationToken cancellationToken)
    {
        foreach (var (name, operation) in operations)
        {
            await RunAsync(name, concurrency, TimeSpan.FromMilliseconds(500), operation, cancellationToken);
        }

        var results = operations.Select(_ => new List<LoadResult>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < operations.Count; i++)
            {
                results[i].Add(await RunAsync(operations[i].Name, concurrency, roundDuration, operations[i].Operation, cancellationToken));
            }
        }

        return results.Select(Merge).ToArray();
    }

    private static LoadResult Merge(List<LoadResult> rounds) => new(
        rounds[0].Name,
        rounds[0].Concurrency,
        rounds.Sum(r => r.Operations),
        TimeSpan.FromTicks(rounds.Sum(r => r.Elapsed.Ticks)),
        Median(rounds.Select(r => r.P50Ms)),
        Median(rounds.Select(r => r.P99Ms)));

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
