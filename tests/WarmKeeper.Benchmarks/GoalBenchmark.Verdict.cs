using System.Globalization;
using WarmKeeper.Core.Adaptive;
using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Simulation;
using WarmKeeper.Core.Simulation.Synthetic;

namespace WarmKeeper.Benchmarks;

// The goal's verdict on one trace at one REAP (its clauses, what failed and by how much) and the recorder that notes
// adaptive's user cold starts; the run and the report are in GoalBenchmark.cs.
internal static partial class GoalBenchmark
{
    private enum Clause
    {
        /// <summary>Adaptive must have strictly fewer cold starts than a reference that has any.</summary>
        FewerCold,

        /// <summary>Adaptive must have none where a reference has none.</summary>
        NoCold,

        /// <summary>Adaptive must cost no more than the oracle.</summary>
        Cost,
    }

    /// <summary>A clause of the goal that failed, how far off, and the functions that account for most of it.</summary>
    private sealed record Failure(Clause Clause, string Summary, IReadOnlyList<string> Culprits);

    /// <summary>One trace at one REAP: every policy's result and the verdict.</summary>
    private sealed record Cell(string Family, ulong Seed, SyntheticTrace Trace, double ReapMinutes, IReadOnlyDictionary<string, SimulationResult> Results, IReadOnlyList<Failure> Failures)
    {
        public SimulationResult Adaptive => Results[AdaptivePolicy.Name];

        public SimulationResult Oracle => Results[GoalBenchmark.Oracle];

        public bool Held => Failures.Count == 0;

        public static Cell Judge(string family, ulong seed, SyntheticTrace trace, Dictionary<string, SimulationResult> results, List<(int Function, long AtMs)> adaptiveColds)
        {
            var adaptive = results[AdaptivePolicy.Name];
            var oracle = results[GoalBenchmark.Oracle];
            var failures = new List<Failure>();
            string ColdTimes(int function)
            {
                var name = trace.Trace.Functions[function].Name;
                var times = adaptiveColds.Where(c => c.Function == function).Select(c => c.AtMs).Order().ToArray();
                return times.Length == 0 ? "" : " (adaptive's cold at " + string.Join(", ", times.Take(5).Select(t => Clock(t) + JustBefore(adaptive, name, t))) + (times.Length > 5 ? ", …" : "") + ")";
            }

            foreach (var miss in AdaptiveGoal.Judge(adaptive, results))
            {
                var reference = results[miss.Reference];
                failures.Add(miss.Clause switch
                {
                    GoalClause.FewerColdStarts => new Failure(Clause.FewerCold,
                        Invariant($"cold vs {miss.Reference}: {adaptive.ColdStarts:N0} ≥ {reference.ColdStarts:N0} (needs ≤ {reference.ColdStarts - 1:N0}: over by {adaptive.ColdStarts - reference.ColdStarts + 1:N0})"),
                        Culprits(adaptive, reference, f => f.Counts.ColdStarts, v => Invariant($"{v:N0}"), ColdTimes)),
                    GoalClause.NoColdStarts => new Failure(Clause.NoCold,
                        Invariant($"cold vs {miss.Reference}: {adaptive.ColdStarts:N0} > 0 ({miss.Reference} has none: over by {adaptive.ColdStarts:N0})"),
                        Culprits(adaptive, reference, f => f.Counts.ColdStarts, v => Invariant($"{v:N0}"), ColdTimes)),
                    _ => new Failure(Clause.Cost,
                        Invariant($"cost vs oracle: ${adaptive.CostUsd:0.000000} > ${oracle.CostUsd:0.000000} (over by ${adaptive.CostUsd - oracle.CostUsd:0.000000}, {(adaptive.CostUsd / oracle.CostUsd) - 1:+0.00%})"),
                        Culprits(adaptive, oracle, f => f.Cost.TotalUsd, v => Invariant($"${v:0.000000}"), _ => "")),
                });
            }

            return new Cell(family, seed, trace, adaptive.ReapMs / 60_000.0, results, failures);
        }

        /// <summary>
        /// The functions where adaptive is furthest above the reference, most first (at most four), counting a tie too:
        /// a cold start both had is one adaptive needed to avoid to be strictly better.
        /// </summary>
        private static string[] Culprits(SimulationResult adaptive, SimulationResult reference, Func<FunctionResult, double> measure, Func<double, string> format, Func<int, string> detail) =>
        [
            .. adaptive.PerFunction.Zip(reference.PerFunction, (a, r) => (a.Function, Adaptive: measure(a), Reference: measure(r)))
                .Select((x, index) => (x.Function, x.Adaptive, x.Reference, Index: index))
                .Where(x => x.Adaptive > 0 && x.Adaptive >= x.Reference)
                .OrderByDescending(x => x.Adaptive - x.Reference)
                .ThenByDescending(x => x.Adaptive)
                .Take(4)
                .Select(x => $"`{x.Function}` {format(x.Adaptive)} vs {format(x.Reference)}{detail(x.Index)}"),
        ];

        /// <summary>Adaptive's last decision on the function if it came within 5 s before <paramref name="atMs"/>: a ping holding the only environment, say.</summary>
        private static string JustBefore(SimulationResult adaptive, string function, long atMs) =>
            adaptive.Decisions.LastOrDefault(d => d.Function == function && d.AtMs <= atMs) is { } last && atMs - last.AtMs <= 5_000
                ? Invariant($", {atMs - last.AtMs} ms after its {last.Kind} {last.Value}: {last.Reason}")
                : "";

        private static string Clock(long ms) => TimeSpan.FromMilliseconds(ms).ToString(@"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Runs a policy unchanged and notes the arrival of every user cold start it saw (completions are added to what it
    /// asks for, and given to it only if it asked). One instance a run; runs are single-threaded.
    /// </summary>
    private sealed class ColdStartRecorder(IKeepWarmPolicy inner, List<(int Function, long AtMs)> colds) : IKeepWarmPolicy
    {
        public KeepWarmInterest Interest => inner.Interest | KeepWarmInterest.Completions;

        public static KeepWarmPolicyFactory Wrap(IKeepWarmPolicyFactory factory, List<(int Function, long AtMs)> colds) =>
            new KeepWarmPolicyFactory(factory.Name, functions => new ColdStartRecorder(factory.Create(functions), colds));

        public void OnStart(KeepWarmContext context) => inner.OnStart(context);

        public void OnTimer(KeepWarmContext context) => inner.OnTimer(context);

        public void OnObservation(KeepWarmContext context, in KeepWarmObservation observation)
        {
            if (observation is { Kind: ObservationKind.InvocationCompleted, Start: StartKind.Cold })
            {
                colds.Add((observation.FunctionIndex, observation.ArrivalMs));
            }

            var wanted = observation.Kind switch
            {
                ObservationKind.InvocationCompleted => KeepWarmInterest.Completions,
                ObservationKind.PingCompleted or ObservationKind.PingThrottled => KeepWarmInterest.Pings,
                _ => KeepWarmInterest.Arrivals,
            };
            if ((inner.Interest & wanted) != 0)
            {
                inner.OnObservation(context, observation);
            }
        }
    }
}
