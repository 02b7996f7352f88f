using System.Diagnostics;
using System.Globalization;
using System.Text;
using WarmKeeper.Core.Adaptive;
using WarmKeeper.Core.Simulation;
using WarmKeeper.Core.Simulation.Synthetic;

namespace WarmKeeper.Benchmarks;

/// <summary>
/// <c>goal [--seeds 1-8|3,5] [--families mixed,bursty,sparse,population] [--reap 5,10,30] [--dump DIR] [--parallel N]</c>:
/// does <c>adaptive</c> meet its goal on traces it was not tuned to? For every synthetic trace and REAP: no more
/// user-visible cold starts than each of <c>none</c>, <c>ping-5min</c> and <c>aas-tt-0.7</c>, strictly fewer than each
/// that has any, at no more cost than the <c>ping-5min-peak</c> oracle. Prints a table per family (one row per
/// trace × REAP), every violation with the clause that failed, by how much and the functions that caused it, and how
/// far adaptive is from the oracle's cold starts. <c>--dump DIR</c> saves each violating trace for <c>simulate</c>.
/// </summary>
internal static partial class GoalBenchmark
{
    private const string Oracle = AdaptiveGoal.Oracle;
    private static readonly IReadOnlyList<string> Fair = AdaptiveGoal.Fair;
    private static readonly string[] Policies = [.. AdaptiveGoal.References, AdaptivePolicy.Name];

    private const string Usage = """
        usage: goal [--seeds LIST] [--families LIST] [--reap LIST] [--dump DIR] [--parallel N]
          --seeds LIST     seeds per family: a range 1-8 (default) or a list 3,5,11
          --families LIST  some of mixed, bursty, sparse, population (default: all)
          --reap LIST      idle timeouts in minutes (default 5,10,30)
          --dump DIR       save every trace with a violation to DIR/<trace> for `simulate --trace`
          --parallel N     simulation runs at once (default: the processor count)
        """;

    public static async Task RunAsync(string[] args, CancellationToken cancellationToken)
    {
        if (!TryParse(args, out var options, out var problem))
        {
            await Console.Error.WriteLineAsync($"goal: {problem}\n{Usage}");
            return;
        }

        var clock = Stopwatch.StartNew();
        var runner = new SimulationRunner(options.Parallel);
        var cells = new List<Cell>();
        var traces = new Dictionary<string, SyntheticTrace>(StringComparer.Ordinal);
        var total = options.Families.Count * options.Seeds.Count;
        await Report.LineAsync(Invariant($"{options.Seeds.Count} seeds ({string.Join(",", options.Seeds)}) × {options.Families.Count} families ({string.Join(", ", options.Families)}), REAP {string.Join("/", options.Reaps.Select(r => r.TotalMinutes))} min; policies {string.Join(", ", Policies)}.\n"), cancellationToken);
        foreach (var family in options.Families)
        {
            var familyCells = new List<Cell>();
            foreach (var seed in options.Seeds)
            {
                var started = clock.Elapsed;
                var synthetic = SyntheticFamilies.Generate(family, seed);
                var trace = synthetic.Trace;
                traces[trace.Name] = synthetic;
                // Adaptive runs inside a recorder (one per REAP) that notes when its user cold starts happened.
                var colds = options.Reaps.ToDictionary(r => (long)r.TotalMilliseconds, _ => new List<(int Function, long AtMs)>());
                var runs = options.Reaps.SelectMany(reap => SimulationRunner.Combine(
                    trace,
                    Policies.Select(p => p == AdaptivePolicy.Name ? ColdStartRecorder.Wrap(PolicyCatalog.Get(p, trace), colds[(long)reap.TotalMilliseconds]) : PolicyCatalog.Get(p, trace)),
                    [reap])).ToArray();
                var results = await runner.RunAsync(runs, null, cancellationToken);
                foreach (var byReap in results.GroupBy(r => r.ReapMs))
                {
                    familyCells.Add(Cell.Judge(family, seed, synthetic, byReap.ToDictionary(r => r.Policy, StringComparer.Ordinal), colds[byReap.Key]));
                }

                await Console.Error.WriteLineAsync(Invariant(
                    $"[{traces.Count,3}/{total}] {trace.Name}: {trace.Functions.Count} functions, {trace.InvocationCount:N0} invocations, {runs.Length} runs in {(clock.Elapsed - started).TotalSeconds:0.0} s"));
            }

            await FamilyTableAsync(family, familyCells, cancellationToken);
            cells.AddRange(familyCells);
        }

        await ViolationsAsync(cells, cancellationToken);
        await ArchetypesAsync(cells, cancellationToken);
        await SummaryAsync(cells, cancellationToken);
        if (options.Dump is { } dump)
        {
            await DumpAsync(dump, cells, traces, cancellationToken);
        }

        await Report.LineAsync(Invariant($"\nWall time: {clock.Elapsed.TotalSeconds:0.0} s for {cells.Count * Policies.Length} runs over {traces.Count} traces."), cancellationToken);
    }

    private static async Task FamilyTableAsync(string family, List<Cell> cells, CancellationToken cancellationToken)
    {
        await Report.LineAsync($"### {family}\n", cancellationToken);
        string[] headers = ["trace", "fns", "invocations", "REAP", "adaptive cold / $", .. Fair.Select(f => $"{f} cold / $"), "oracle cold / $", "vs oracle cold", "goal", "failed clause (by how much)"];
        var rows = cells.Select(c => (IReadOnlyList<string>)[
            c.Trace.Trace.Name,
            Report.Number(c.Trace.Trace.Functions.Count),
            Invariant($"{c.Trace.Trace.InvocationCount:N0}"),
            Invariant($"{c.ReapMinutes:0} min"),
            ColdAndCost(c.Adaptive),
            .. Fair.Select(f => ColdAndCost(c.Results[f])),
            ColdAndCost(c.Oracle),
            Invariant($"{c.Adaptive.ColdStarts - c.Oracle.ColdStarts:+#;-#;0}"),
            Report.Verdict(c.Held),
            c.Held ? "" : string.Join("; ", c.Failures.Select(f => f.Summary)),
        ]);
        await Report.TableAsync(headers, rows, cancellationToken);
    }

    private static async Task ViolationsAsync(List<Cell> cells, CancellationToken cancellationToken)
    {
        var violations = cells.Where(c => !c.Held).ToArray();
        await Report.LineAsync(Invariant($"### Violations ({violations.Length})\n"), cancellationToken);
        if (violations.Length == 0)
        {
            await Report.LineAsync("None: the goal held in every cell.\n", cancellationToken);
            return;
        }

        var text = new StringBuilder();
        foreach (var cell in violations)
        {
            text.Append(Invariant($"- **{cell.Trace.Trace.Name}** (family {cell.Family}, seed {cell.Seed}), REAP {cell.ReapMinutes:0} min:\n"));
            foreach (var failure in cell.Failures)
            {
                text.Append(Invariant($"  - {failure.Summary}; most of it from: {string.Join(", ", failure.Culprits)}\n"));
            }
        }

        text.Append("\nFunctions of the violating traces (archetype: drawn parameters):\n\n");
        foreach (var synthetic in violations.Select(c => c.Trace).DistinctBy(t => t.Trace.Name))
        {
            text.Append(Invariant($"- {synthetic.Trace.Name}:\n"));
            foreach (var function in synthetic.Functions)
            {
                text.Append(Invariant($"  - `{function.Function.Name}` ({function.Archetype}, {function.Count:N0} invocations): {function.Parameters}\n"));
            }
        }

        await Report.LineAsync(text.ToString(), cancellationToken);
    }

    /// <summary>Where adaptive stands against the oracle and <c>none</c>, by archetype, over every cell: its weak spots.</summary>
    private static async Task ArchetypesAsync(List<Cell> cells, CancellationToken cancellationToken)
    {
        var byArchetype = cells
            .SelectMany(c => c.Trace.Functions.Select((f, i) => (f.Archetype, Adaptive: c.Adaptive.PerFunction[i], Oracle: c.Oracle.PerFunction[i], None: c.Results["none"].PerFunction[i])))
            .GroupBy(x => x.Archetype)
            .Select(g => (Archetype: g.Key, Count: g.Count(), Adaptive: g.Sum(x => x.Adaptive.Counts.ColdStarts), Oracle: g.Sum(x => x.Oracle.Counts.ColdStarts), None: g.Sum(x => x.None.Counts.ColdStarts),
                AdaptiveCost: g.Sum(x => x.Adaptive.Cost.TotalUsd), OracleCost: g.Sum(x => x.Oracle.Cost.TotalUsd)))
            .OrderByDescending(x => x.Adaptive - x.Oracle)
            .ToArray();
        await Report.LineAsync("### Adaptive against the oracle by archetype (all cells)\n", cancellationToken);
        await Report.TableAsync(
            ["archetype", "function × REAP", "none cold", "adaptive cold", "oracle cold", "adaptive − oracle", "adaptive $", "oracle $"],
            byArchetype.Select(x => (IReadOnlyList<string>)[
                x.Archetype,
                Report.Number(x.Count),
                Invariant($"{x.None:N0}"),
                Invariant($"{x.Adaptive:N0}"),
                Invariant($"{x.Oracle:N0}"),
                Invariant($"{x.Adaptive - x.Oracle:+#,0;-#,0;0}"),
                Report.Number(x.AdaptiveCost, "F4"),
                Report.Number(x.OracleCost, "F4"),
            ]),
            cancellationToken);
    }

    private static async Task SummaryAsync(List<Cell> cells, CancellationToken cancellationToken)
    {
        var held = cells.Count(c => c.Held);
        var text = new StringBuilder("### Summary\n\n");
        text.Append(Invariant($"**goal held in {held} of {cells.Count} cells** (trace × REAP).\n"));
        string[] headers = ["group", "cells", "held", "cold clause failed", "cost clause failed", "adaptive cold", "oracle cold", "adaptive − oracle", "cells with adaptive ≤ oracle cold", "median adaptive / oracle cost"];
        var groups = cells.GroupBy(c => $"family {c.Family}")
            .Concat(cells.GroupBy(c => Invariant($"REAP {c.ReapMinutes:0} min")))
            .Append(cells.GroupBy(_ => "all").Single());
        var rows = groups.Select(g => (IReadOnlyList<string>)[
            g.Key,
            Report.Number(g.Count()),
            Report.Number(g.Count(c => c.Held)),
            Report.Number(g.Count(c => c.Failures.Any(f => f.Clause != Clause.Cost))),
            Report.Number(g.Count(c => c.Failures.Any(f => f.Clause == Clause.Cost))),
            Invariant($"{g.Sum(c => c.Adaptive.ColdStarts):N0}"),
            Invariant($"{g.Sum(c => c.Oracle.ColdStarts):N0}"),
            Invariant($"{g.Sum(c => c.Adaptive.ColdStarts - c.Oracle.ColdStarts):+#,0;-#,0;0}"),
            Report.Number(g.Count(c => c.Adaptive.ColdStarts <= c.Oracle.ColdStarts)),
            Report.Number(Report.Median(g.Select(c => c.Adaptive.CostUsd / c.Oracle.CostUsd)), "F3"),
        ]);
        await Report.LineAsync(text.ToString(), cancellationToken);
        await Report.TableAsync(headers, rows, cancellationToken);
        await Report.LineAsync(Invariant($"goal held in {held} of {cells.Count} cells"), cancellationToken);
    }

    private static async Task DumpAsync(string dump, List<Cell> cells, Dictionary<string, SyntheticTrace> traces, CancellationToken cancellationToken)
    {
        var violating = cells.Where(c => !c.Held).Select(c => c.Trace.Trace.Name).Distinct(StringComparer.Ordinal).ToArray();
        var text = new StringBuilder(Invariant($"\n### Dumped {violating.Length} violating trace{(violating.Length == 1 ? "" : "s")} to {dump}\n\n"));
        foreach (var name in violating)
        {
            var folder = Path.Combine(dump, name);
            TraceWriter.Write(traces[name].Trace, folder);
            var reaps = string.Join(",", cells.Where(c => c.Trace.Trace.Name == name && !c.Held).Select(c => c.ReapMinutes));
            text.Append(Invariant($"    dotnet run --project src/WarmKeeper.Agent -- simulate --trace {folder} --policy {string.Join(",", Policies)} --reap {reaps}\n"));
        }

        await Report.LineAsync(text.ToString(), cancellationToken);
    }

    private static string ColdAndCost(SimulationResult result) => Invariant($"{result.ColdStarts:N0} / {result.CostUsd:0.0000}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static bool TryParse(string[] args, out Options options, out string? problem)
    {
        List<ulong> seeds = [.. Enumerable.Range(1, 8).Select(i => (ulong)i)];
        List<string> families = [.. SyntheticFamilies.Names];
        List<TimeSpan> reaps = [TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)];
        string? dump = null;
        int? parallel = null;
        options = new Options(seeds, families, reaps, dump, parallel);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            if (value is null)
            {
                problem = $"{args[i]} needs a value";
                return false;
            }

            var parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            switch (args[i++])
            {
                case "--seeds" when TryParseSeeds(parts, out var parsed):
                    seeds = parsed;
                    break;
                case "--families" when parts.All(SyntheticFamilies.IsKnown) && parts.Length > 0:
                    families = [.. parts.Distinct(StringComparer.Ordinal)];
                    break;
                case "--reap" when parts.Length > 0 && parts.All(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) && m > 0 && m <= 1440):
                    reaps = [.. parts.Select(p => TimeSpan.FromMinutes(double.Parse(p, CultureInfo.InvariantCulture))).Distinct()];
                    break;
                case "--dump":
                    dump = value;
                    break;
                case "--parallel" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var degree) && degree > 0:
                    parallel = degree;
                    break;
                default:
                    problem = $"bad argument '{args[i - 1]} {value}'";
                    return false;
            }
        }

        options = new Options(seeds, families, reaps, dump, parallel);
        problem = null;
        return true;
    }

    private static bool TryParseSeeds(string[] parts, out List<ulong> seeds)
    {
        seeds = [];
        foreach (var part in parts)
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0
                && ulong.TryParse(part[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                && ulong.TryParse(part[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var to)
                && from <= to && to - from < 10_000)
            {
                for (var seed = from; seed <= to; seed++)
                {
                    seeds.Add(seed);
                }
            }
            else if (ulong.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var single))
            {
                seeds.Add(single);
            }
            else
            {
                return false;
            }
        }

        seeds = [.. seeds.Distinct()];
        return seeds.Count > 0;
    }

    private sealed record Options(IReadOnlyList<ulong> Seeds, IReadOnlyList<string> Families, IReadOnlyList<TimeSpan> Reaps, string? Dump, int? Parallel);
}
