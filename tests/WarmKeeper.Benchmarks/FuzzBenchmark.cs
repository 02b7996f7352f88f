using System.Diagnostics;
using CsCheck;
using WarmKeeper.Testing;

namespace WarmKeeper.Benchmarks;

/// <summary>
/// Issue 12: the schema-driven fuzzer of the test suite (<see cref="ApiFuzzer"/>), run longer against a
/// real agent: requests fuzzed, 5xx seen, schema mismatches and other problems, each distinct problem once.
/// </summary>
internal static class FuzzBenchmark
{
    private const int Requests = 5000;

    public static async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var agent = await AgentHost.StartAsync(null, null, [], cancellationToken);
        var fuzzer = await ApiFuzzer.CreateAsync(agent.Client, cancellationToken);
        var sent = 0;
        var fiveHundreds = 0;
        var mismatches = 0;
        var others = 0;
        var distinct = new SortedSet<string>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        await fuzzer.Requests().SampleAsync(
            async request =>
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                sent++;
                var (status, problems) = await fuzzer.SendAsync(request, cancellationToken);
                foreach (var problem in problems)
                {
                    _ = problem.StartsWith("5xx", StringComparison.Ordinal) ? fiveHundreds++
                        : problem.StartsWith("schema mismatch", StringComparison.Ordinal) ? mismatches++ : others++;
                    distinct.Add($"{request.Operation} → {status}: {problem[..Math.Min(problem.Length, 160)]}");
                }
            },
            iter: Requests,
            threads: 1);
        await Report.TableAsync(
            ["operations", "requests fuzzed", "5xx seen", "schema mismatches", "other problems", "time"],
            [[Report.Number(fuzzer.Operations.Count), Report.Number(sent), Report.Number(fiveHundreds), Report.Number(mismatches), Report.Number(others), Report.Ms(clock.Elapsed.TotalMilliseconds)]],
            cancellationToken);
        foreach (var problem in distinct.Take(50))
        {
            await Report.LineAsync($"- {problem}", cancellationToken);
        }
    }
}
