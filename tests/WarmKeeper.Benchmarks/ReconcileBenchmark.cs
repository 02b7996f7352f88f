using System.Diagnostics;
using EventLog = WarmKeeper.Agent.Events.EventLog;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Agent.Events;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Agent.Scaling;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Scaling;
using WarmKeeper.Testing;

namespace WarmKeeper.Benchmarks;

/// <summary>
/// Issue 4: one tick of the real <see cref="ProvisionedConcurrencyReconciler"/> over 10,000
/// functions with concurrency policies (SQLite store, as the agent ships) against an in-memory
/// control plane, side by side with its parts alone: the decider over the same 10,000 inputs
/// (the baseline), the store's read, and the control-plane reads. Plus the memory demand
/// observation holds per function.
/// </summary>
internal static partial class ReconcileBenchmark
{
    private const int FunctionCount = 10_000;
    private const int Rounds = 5;

    /// <summary>
    /// Rounds run first and not counted, for the tiered JIT to recompile the steady paths. It never
    /// quite finishes within a run: its background thread still took 40-300 ms of CPU in each counted
    /// round (per-thread CPU times), mostly on the other core, which is why the CPU column of a
    /// single-threaded row can exceed its wall time. The agent ticks for days, at the final code.
    /// </summary>
    private const int WarmupRounds = 3;
    private const string Target = "fake";
    private const string Qualifier = "live";
    private const double TickTargetMs = 100;

    /// <summary>Seconds of demand recorded before the first tick: more than the 60 s stable window.</summary>
    private const int ObservedSeconds = 90;

    public static Task RunAsync(CancellationToken cancellationToken) => WithDatabaseAsync(RunAsync, cancellationToken);

    private static async Task RunAsync(IDbContextFactory<WarmKeeperDbContext> contexts, CancellationToken cancellationToken)
    {
        var policies = Enumerable.Range(0, FunctionCount).Select(Policy).ToArray();
        await InsertAsync(contexts, policies, cancellationToken);

        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
        var scaling = new ScalingOptions();

        // Memory: the recorder with a stable window's worth of demand for every function, at the
        // agent's default detail span, against the heap before it existed.
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var demand = new DemandRecorder(time, scaling.DemandDetail);
        RecordDemand(demand, time);
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        var bytesPerFunction = (heapAfter - heapBefore) / (double)FunctionCount;
        var approximatePerFunction = demand.ApproximateBytes / (double)FunctionCount;

        var controlPlane = new FakeControlPlane(Target, accountConcurrency: 1_000_000);

        // The store has a clock of its own, so that its listing cache can be expired between ticks
        // without moving the decider's "now" (the demand windows it reads).
        var storeTime = new FakeTimeProvider(time.GetUtcNow());
        var store = new ConcurrencyPolicyStore(contexts, storeTime);
        var events = new EventLog(contexts, time);
        var reconciler = new ProvisionedConcurrencyReconciler(
            store, new FakeTargets(controlPlane), demand, events, contexts, time, Options.Create(scaling),
            NullLogger<ProvisionedConcurrencyReconciler>.Instance);

        // The same tick reconciling one policy at a time, as before policies were reconciled at once.
        var oneAtATime = new ProvisionedConcurrencyReconciler(
            store, new FakeTargets(controlPlane), demand, events, contexts, time, Options.Create(new ScalingOptions { Concurrency = 1 }),
            NullLogger<ProvisionedConcurrencyReconciler>.Instance);

        // The first tick finds no configs and sets all 10,000 (a put and an event each): reported, not the steady state.
        var calls = controlPlane.Calls;
        var started = Stopwatch.GetTimestamp();
        var first = await reconciler.ReconcileOnceAsync(cancellationToken);
        var firstMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var firstCalls = controlPlane.Calls - calls;
        var firstApplied = first.Count(o => o.Applied);

        // The decider's inputs, built once, as a steady tick sees them: the state each policy was
        // left in by a first decision from nothing (as the first tick's), and the value it set.
        var stored = await store.ListAsync(cancellationToken);
        var limits = new CapacityLimits(null, 1_000_000, scaling.UnreservedFloor);
        var inputs = stored.Select(s =>
            {
                var history = demand.For(new DemandKey(s.Value.Target, s.Value.Function, s.Value.Qualifier));
                var initial = ConcurrencyDecider.Decide(new ScalingInputs(s.Value, 0, history, new ScalingState(demand.StartedAt), limits, time.GetUtcNow()));
                return new ScalingInputs(s.Value, initial.Desired, history, initial.NextState, limits, time.GetUtcNow());
            })
            .ToArray();
        var keys = stored.Select(s => new DemandKey(s.Value.Target, s.Value.Function, s.Value.Qualifier)).ToArray();

        var sides = Sides.ToDictionary(side => side, _ => new List<Sample>());
        var changes = 0;
        long tickCalls = 0;
        for (var round = 0; round < WarmupRounds + Rounds; round++)
        {
            var measured = new Dictionary<Side, Sample>
            {
                [Side.Tick] = await TimeAsync(async () =>
                {
                    calls = controlPlane.Calls;
                    var outcomes = await reconciler.ReconcileOnceAsync(cancellationToken);
                    tickCalls = controlPlane.Calls - calls;
                    changes += outcomes.Count(o => o.Decision?.Changes == true);
                }),
                [Side.Decider] = await TimeAsync(() =>
                {
                    var desired = 0L;
                    foreach (var input in inputs)
                    {
                        desired += ConcurrencyDecider.Decide(input).Desired;
                    }

                    GC.KeepAlive(desired);
                    return Task.CompletedTask;
                }),
                [Side.TickUncached] = await TimeAsync(async () =>
                {
                    storeTime.Advance(ConcurrencyPolicyStore.CacheLifetime);
                    var outcomes = await reconciler.ReconcileOnceAsync(cancellationToken);
                    changes += outcomes.Count(o => o.Decision?.Changes == true);
                }),
                [Side.TickOneAtATime] = await TimeAsync(async () =>
                {
                    var outcomes = await oneAtATime.ReconcileOnceAsync(cancellationToken);
                    changes += outcomes.Count(o => o.Decision?.Changes == true);
                }),
                [Side.DeciderExplained] = await TimeAsync(() =>
                {
                    // What a decision costs when its explanation is read, as an event or a log line does.
                    var length = 0L;
                    foreach (var input in inputs)
                    {
                        var decision = ConcurrencyDecider.Decide(input);
                        length += decision.Reason.Length;
                        foreach (var vote in decision.Votes)
                        {
                            length += vote.Reason.Length + vote.Inputs.Count;
                        }
                    }

                    GC.KeepAlive(length);
                    return Task.CompletedTask;
                }),
                [Side.DemandReads] = await TimeAsync(() =>
                {
                    // The windows a steady decision reads (stable and burst), without deciding.
                    var now = time.GetUtcNow();
                    var sum = 0.0;
                    for (var i = 0; i < keys.Length; i++)
                    {
                        var policy = inputs[i].Policy;
                        sum += demand.Summarize(keys[i], now - policy.StableWindow, now).MeanInFlight;
                        sum += demand.Summarize(keys[i], now - policy.BurstWindow, now).MaxInFlight;
                    }

                    GC.KeepAlive(sum);
                    return Task.CompletedTask;
                }),
                [Side.StoreRead] = await TimeAsync(async () =>
                {
                    storeTime.Advance(ConcurrencyPolicyStore.CacheLifetime);
                    GC.KeepAlive(await store.ListAsync(cancellationToken));
                }),
                [Side.ControlPlaneReads] = await TimeAsync(async () =>
                {
                    await controlPlane.GetAccountSettingsAsync(cancellationToken);
                    foreach (var s in stored)
                    {
                        await controlPlane.GetProvisionedConcurrencyConfigAsync(s.Value.Function, s.Value.Qualifier, cancellationToken);
                        await controlPlane.GetFunctionConcurrencyAsync(s.Value.Function, cancellationToken);
                    }
                }),
            };

            if (round >= WarmupRounds)
            {
                foreach (var (side, sample) in measured)
                {
                    sides[side].Add(sample);
                }
            }
        }

        var median = sides.ToDictionary(p => p.Key, p => new Sample(
            Report.Median(p.Value.Select(t => t.Ms)), Report.Median(p.Value.Select(t => t.GcMs)), Report.Median(p.Value.Select(t => t.CpuMs))));
        var baseline = median[Side.Decider].Ms;
        var tickMs = median[Side.Tick].Ms;
        string[] Row(string label, Side side, string target = "")
        {
            var m = median[side];
            return [label, Report.Ms(m.Ms), Report.Ms(m.CpuMs), Report.Ms(m.GcMs), Report.Ratio(m.Ms / baseline), Share(m.Ms, tickMs), target];
        }

        var rest = tickMs - median[Side.Decider].Ms - median[Side.ControlPlaneReads].Ms;
        await Report.LineAsync($"### One reconcile tick over {FunctionCount:N0} functions with concurrency policies\n\n`ProvisionedConcurrencyReconciler.ReconcileOnceAsync` (store read, control-plane reads, decide, diff) in the steady state (nothing to change), with the policy listing cached (as most ticks find it) and re-read from SQLite (every second or third tick: the listing is kept {ConcurrencyPolicyStore.CacheLifetime.TotalSeconds:0} s, the interval is {scaling.Interval.TotalSeconds:0} s; unchanged policies are not deserialised again), {scaling.Concurrency} policies at a time (the default) and one at a time, against its parts measured alone in the same rounds: `ConcurrencyDecider.Decide` over the same {FunctionCount:N0} inputs (the baseline), the same with every reason and vote input read (as an event or log line reads them), the demand windows those decisions read, `ConcurrencyPolicyStore.ListAsync` (SQLite, cache expired) and the control-plane reads against the in-memory fake. Wall and CPU time (the process's, all threads); median of {Rounds} rounds after {WarmupRounds} uncounted.\n", cancellationToken);
        await Report.TableAsync(
            ["measure", "wall time", "CPU time", "of which GC pauses", "÷ decider alone", "share of the tick", "target"],
            [
                Row("reconcile tick, policy listing cached", Side.Tick, $"≤ {TickTargetMs} ms: {Report.Verdict(tickMs <= TickTargetMs)}"),
                Row("reconcile tick, policy listing re-read", Side.TickUncached, $"≤ {TickTargetMs} ms: {Report.Verdict(median[Side.TickUncached].Ms <= TickTargetMs)}"),
                Row("reconcile tick, listing cached, one policy at a time (`Concurrency` = 1)", Side.TickOneAtATime, $"≤ {TickTargetMs} ms: {Report.Verdict(median[Side.TickOneAtATime].Ms <= TickTargetMs)}"),
                Row("decider alone (baseline)", Side.Decider),
                Row("decider, every reason and input read", Side.DeciderExplained),
                Row("demand windows alone (stable + burst, `DemandRecorder.Summarize`)", Side.DemandReads),
                Row("store read alone (`ListAsync`, not cached)", Side.StoreRead),
                Row("control-plane reads alone (fake, one after another)", Side.ControlPlaneReads),
                ["rest of the cached tick (tick − decider − control-plane reads)", Report.Ms(rest), "", "", Report.Ratio(rest / baseline), Share(rest, tickMs), ""],
                ["first tick (no configs yet: 10,000 puts and events)", Report.Ms(firstMs), "", "", Report.Ratio(firstMs / baseline), "", ""],
            ],
            cancellationToken);
        await Report.LineAsync(
            $"Steady ticks changed {changes} policies (expected 0) and made {tickCalls:N0} control-plane calls each, {scaling.Concurrency} policies at a time (`ScalingOptions.Concurrency`); the first tick applied {firstApplied:N0} changes with {firstCalls:N0} calls.\n",
            cancellationToken);
        var (oneByOne, batched) = await EventWritesAsync(events, cancellationToken);
        await Report.LineAsync($"The first tick's events: {EventBatch} scaling events written one by one (`EventLog.AppendAsync`, one context and one SQLite commit each, as the reconciler wrote them before) against the same {EventBatch} in one `EventLog.AppendRangeAsync` (one commit, as a tick now writes in its next commit every event that came while one was in flight), alternating, median of {EventRounds}:\n", cancellationToken);
        await Report.TableAsync(
            ["measure", "one commit per event", "one commit for all", "ratio", "per event, one by one"],
            [[$"write {EventBatch} events", Report.Ms(oneByOne), Report.Ms(batched), Report.Ratio(oneByOne / batched), Report.Ms(oneByOne / EventBatch)]],
            cancellationToken);
        await WithDatabaseAsync((latencyContexts, ct) => LatencyAsync(latencyContexts, scaling, ct), cancellationToken);
        await Report.TableAsync(
            ["memory (demand observation)", "per function", $"{FunctionCount:N0} functions"],
            [
                ["managed heap, DemandRecorder with demand for each function", Report.Bytes(bytesPerFunction), Report.Bytes(bytesPerFunction * FunctionCount)],
                ["DemandRecorder.ApproximateBytes", Report.Bytes(approximatePerFunction), Report.Bytes(approximatePerFunction * FunctionCount)],
            ],
            cancellationToken);
        await Report.LineAsync($"Detail span {scaling.DemandDetail} (ScalingOptions.DemandDetail default), 24 bytes a second; each function is recorded under its qualifier and under `*`, which share one series while a function is invoked under one qualifier only (as here): a function invoked under two has three series.\n", cancellationToken);
        GC.KeepAlive(demand);
    }

    private const int EventBatch = 500;
    private const int EventRounds = 3;

    private static async Task<(double OneByOne, double Batched)> EventWritesAsync(EventLog events, CancellationToken cancellationToken)
    {
        static NewEvent Sample(int i)
        {
            var data = new System.Text.Json.Nodes.JsonObject { ["current"] = 2, ["desired"] = 3, ["applied"] = true, ["reason"] = "target-tracking asks for 3" };
            return new NewEvent(EventKinds.ScalingDecision, $"policy:fn-{i:D5}-live", $"fn-{i:D5}:live provisioned concurrency: set 2 → 3", data, Target, $"fn-{i:D5}", Qualifier, $"fn-{i:D5}-live");
        }

        var oneByOne = new List<double>();
        var batched = new List<double>();
        for (var round = 0; round < EventRounds; round++)
        {
            oneByOne.Add((await TimeAsync(async () =>
            {
                for (var i = 0; i < EventBatch; i++)
                {
                    await events.AppendAsync(Sample(i), cancellationToken);
                }
            })).Ms);
            batched.Add((await TimeAsync(() => events.AppendRangeAsync([.. Enumerable.Range(0, EventBatch).Select(Sample)], cancellationToken))).Ms);
        }

        return (Report.Median(oneByOne), Report.Median(batched));
    }

    private const int LatencyFunctions = 200;
    private const int LatencyRounds = 3;
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// What reconciling policies at once buys against a control plane that takes time to answer:
    /// a steady tick over a few policies whose fake answers after <see cref="Latency"/>, one policy at a time against the default.
    /// </summary>
    private static async Task LatencyAsync(IDbContextFactory<WarmKeeperDbContext> contexts, ScalingOptions scaling, CancellationToken cancellationToken)
    {
        await InsertAsync(contexts, Enumerable.Range(0, LatencyFunctions).Select(Policy), cancellationToken);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
        var controlPlane = new FakeControlPlane(Target, accountConcurrency: 1_000_000) { Delay = _ => Task.Delay(Latency, cancellationToken) };
        ProvisionedConcurrencyReconciler Reconciler(int concurrency) => new(
            new ConcurrencyPolicyStore(contexts, time), new FakeTargets(controlPlane), new DemandRecorder(time), new EventLog(contexts, time), contexts, time,
            Options.Create(new ScalingOptions { Concurrency = concurrency }), NullLogger<ProvisionedConcurrencyReconciler>.Instance);
        var oneAtATime = Reconciler(1);
        var atOnce = Reconciler(scaling.Concurrency);
        var sequential = new List<double>();
        var concurrent = new List<double>();
        for (var round = 0; round <= LatencyRounds; round++)
        {
            var one = await TimeAsync(() => oneAtATime.ReconcileOnceAsync(cancellationToken));
            var many = await TimeAsync(() => atOnce.ReconcileOnceAsync(cancellationToken));
            if (round > 0)
            {
                sequential.Add(one.Ms);
                concurrent.Add(many.Ms);
            }
        }

        var (a, b) = (Report.Median(sequential), Report.Median(concurrent));
        await Report.LineAsync($"Control-plane latency: a steady tick over {LatencyFunctions} policies against the fake answering each call after {Latency.TotalMilliseconds:0} ms (`Task.Delay`; two reads per policy), one policy at a time (`Concurrency` = 1, as the reconciler worked before) against the default, alternating, median of {LatencyRounds} after one uncounted pair:\n", cancellationToken);
        await Report.TableAsync(
            ["measure", "one at a time", $"{scaling.Concurrency} at a time", "ratio"],
            [[$"tick over {LatencyFunctions} policies", Report.Ms(a), Report.Ms(b), Report.Ratio(a / b)]],
            cancellationToken);
    }

    private static string Share(double part, double whole) => Report.Number(100 * part / whole) + "%";

    /// <summary>The steady-state measurements, in the order each round takes them.</summary>
    private enum Side
    {
        Tick,
        Decider,
        TickUncached,
        TickOneAtATime,
        DeciderExplained,
        DemandReads,
        StoreRead,
        ControlPlaneReads,
    }

    private static readonly Side[] Sides = Enum.GetValues<Side>();

    private readonly record struct Sample(double Ms, double GcMs, double CpuMs);

    /// <summary>
    /// Wall time, the process's CPU time over it (all threads: more than the wall time when work runs
    /// on both cores), and the part of it the GC paused the process (a 2 GB heap of demand rings makes collections matter).
    /// </summary>
    private static async Task<Sample> TimeAsync(Func<Task> action)
    {
        GC.Collect();
        var paused = GC.GetTotalPauseDuration();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        await action();
        var wall = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return new(wall, (GC.GetTotalPauseDuration() - paused).TotalMilliseconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds);
    }
}
