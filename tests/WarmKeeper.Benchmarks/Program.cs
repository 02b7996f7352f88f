using System.Diagnostics;

namespace WarmKeeper.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/WarmKeeper.Benchmarks -- &lt;suite&gt;</c>: runs one suite (or
/// <c>all</c>) and prints markdown tables. To add a suite, add one line to <see cref="Suites"/>.
/// </summary>
internal static class Program
{
    /// <summary>Every suite must finish within this (each is designed for well under two minutes).</summary>
    private static readonly TimeSpan SuiteLimit = TimeSpan.FromMinutes(4);

    private static readonly Suite[] Suites =
    [
        new("invoke", "warm and cold invokes of the local runtime against a bare Kestrel endpoint and the bare executable (issue 2)", InvokeBenchmark.RunAsync),
        new("warmup", "a fan-out of 1,000 pings and 10,000 schedules rebuilt at start (issue 3)", WarmupBenchmark.RunAsync),
        new("reconcile", "one autoscaler tick over 10,000 functions against the decider alone (issue 4)", ReconcileBenchmark.RunAsync),
        new("proxy", "the invoke proxy against direct invokes at concurrency 1, 16 and 64, and one limiter decision (issue 5)", ct => ProxyBenchmark.RunAsync([], ct)),
        new("crash", "600 writes through the REST API with 6 SIGKILLs of the agent: acknowledged writes lost, integrity, schedules (issue 12)", CrashBenchmark.RunAsync),
        new("fuzz", "5,000 requests generated from the agent's OpenAPI document: 5xx seen, schema mismatches, refusals that changed something (issue 12)", FuzzBenchmark.RunAsync),
        new("goal", "adaptive against its goal on synthetic traces: 8 seeds x 4 families x REAP 5/10/30 (goal --seeds 1-8 --families mixed,bursty --reap 5,10,30 --dump DIR)", ct => GoalBenchmark.RunAsync([.. Environment.GetCommandLineArgs().Skip(2)], ct)),
    ];

    private static async Task<int> Main(string[] args)
    {
        var name = args.FirstOrDefault();
        var selected = name == "all" ? Suites : Suites.Where(s => s.Name == name).ToArray();
        if (selected.Length == 0)
        {
            await Console.Error.WriteLineAsync(Usage(name));
            return name is null ? 0 : 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        await Report.MachineNoteAsync(stop.Token);
        foreach (var suite in selected)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            limit.CancelAfter(SuiteLimit);
            var started = Stopwatch.GetTimestamp();
            await Console.Out.WriteLineAsync($"## {suite.Name}: {suite.Description}\n");
            await suite.RunAsync(limit.Token);
            await Console.Out.WriteLineAsync($"\n_{suite.Name} took {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s; load average now {Report.LoadAverage()}._\n");
        }

        return 0;
    }

    private static string Usage(string? given) =>
        (given is null ? "" : $"Unknown suite '{given}'.\n") +
        "usage: dotnet run -c Release --project tests/WarmKeeper.Benchmarks -- <suite>\nsuites:\n" +
        string.Join('\n', Suites.Select(s => $"  {s.Name,-10} {s.Description}")) +
        "\n  all        every suite above, in order";

    private sealed record Suite(string Name, string Description, Func<CancellationToken, Task> RunAsync);
}
