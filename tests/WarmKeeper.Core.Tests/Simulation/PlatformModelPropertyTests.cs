using CsCheck;
using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Simulation;
using static WarmKeeper.Core.Tests.Simulation.SimulationTestKit;

namespace WarmKeeper.Core.Tests.Simulation;

/// <summary>Properties of the model on small random traces, random scripted levers and random platforms.</summary>
public sealed class PlatformModelPropertyTests
{
    private const int Iterations = 400;

    /// <summary>A random case: trace, initial provisioning, scripted actions and platform.</summary>
    internal sealed record Case(DemandTrace Trace, int[] InitialProvisioned, ScriptAction[] Script, PlatformOptions Platform)
    {
        public override string ToString() =>
            $"functions=[{string.Join("; ", Trace.Functions)}] invocations=[{string.Join(" ", Trace.Invocations.ToArray().Select(i => $"{i.TimeMs}/{i.FunctionIndex}/{i.DurationMs}"))}] " +
            $"initialPc=[{string.Join(",", InitialProvisioned)}] script=[{string.Join(" ", Script.Select(a => $"{a.TimeMs}:{(a.IsPing ? "ping" : "pc")}({a.Function},{a.Value})"))}] " +
            $"reap={Platform.ReapMs} limit={Platform.AccountConcurrencyLimit} reserved=[{string.Join(",", Platform.ReservedConcurrency.Select(kv => $"{kv.Key}={kv.Value}"))}]";
    }

    private static readonly Gen<TraceFunction> GenFunction =
        Gen.Select(Gen.OneOf(128, 512, 1024), Gen.Int[0, 800], (memory, init) => new TraceFunction("f", memory, init));

    // Gaps mix bursts (0-300 ms, overlapping runs) with idle stretches up to 40 min (REAP and LIFETIME come into play).
    private static readonly Gen<long> GenGap = Gen.Frequency((3, Gen.Long[0, 300]), (2, Gen.Long[0, 5 * Minute]), (1, Gen.Long[0, 40 * Minute]));

    private static readonly Gen<int> GenDuration = Gen.Frequency((6, Gen.Int[0, 3_000]), (1, Gen.Int[0, 600_000]));

    internal static readonly Gen<Case> GenCase =
        from functionCount in Gen.Int[1, 3]
        from functions in GenFunction.Array[functionCount]
        from rows in Gen.Select(GenGap, Gen.Int[0, functionCount - 1], GenDuration).Array[0, 60]
        from initial in Gen.Int[0, 2].Array[functionCount]
        from script in Gen.Select(Gen.Long[0, 6 * 60 * Minute], Gen.Int[0, functionCount - 1], Gen.Bool, Gen.Int[0, 3])
            .Select((t, f, ping, v) => new ScriptAction(t, f, ping, v)).Array[0, 12]
        from reapMinutes in Gen.Int[1, 15]
        from limit in Gen.Frequency((1, Gen.Int[1, 6]), (2, Gen.Const(1000)))
        from reserved in Gen.Int[3, 5].Array[functionCount]
        from useReserved in Gen.Bool.Array[functionCount]
        select Build(functions, rows, initial, script, reapMinutes, limit, reserved, useReserved);

    /// <summary>A random case, a cut time T within it, and the same trace with a different future from T on (same prefix, strictly before T).</summary>
    internal static readonly Gen<AlteredFuture> GenAlteredFuture =
        from c in GenCase
        from cutFraction in Gen.Double[0.0, 1.0]
        from replacement in Gen.Select(Gen.Long[0, 3_600_000], Gen.Int[0, 5_000]).Array[0, 20]
        select Alter(c, cutFraction, replacement);

    internal sealed record AlteredFuture(Case Case, long CutMs, DemandTrace Altered)
    {
        public override string ToString() => $"cut={CutMs} {Case}";
    }

    private static AlteredFuture Alter(Case c, double cutFraction, (long Offset, int Duration)[] replacement)
    {
        var original = c.Trace.Invocations.ToArray();
        var last = original.Length == 0 ? 0 : original[^1].TimeMs;
        var cut = (long)(last * cutFraction);
        var future = replacement.Select(r => new TraceInvocation(cut + r.Offset, 0, r.Duration)).Where(i => i.TimeMs <= DemandTrace.HorizonMs).OrderBy(i => i.TimeMs);
        return new AlteredFuture(c, cut, new DemandTrace("altered", c.Trace.Functions, [.. original.Where(i => i.TimeMs < cut), .. future]));
    }

    private static Case Build(TraceFunction[] functions, (long Gap, int Function, int Duration)[] rows, int[] initial, ScriptAction[] script, int reapMinutes, int limit, int[] reserved, bool[] useReserved)
    {
        var named = functions.Select((f, i) => f with { Name = $"f{i}" }).ToArray();
        var time = 0L;
        var invocations = new List<TraceInvocation>();
        foreach (var (gap, function, duration) in rows)
        {
            time += gap;
            if (time <= DemandTrace.HorizonMs)
            {
                invocations.Add(new TraceInvocation(time, function, duration));
            }
        }

        var reservedByName = named.Select((f, i) => (f.Name, i)).Where(x => useReserved[x.i]).ToDictionary(x => x.Name, x => reserved[x.i]);
        var platform = PlatformOptions.WithReap(TimeSpan.FromMinutes(reapMinutes)) with { AccountConcurrencyLimit = limit, ReservedConcurrency = reservedByName };
        return new Case(new DemandTrace("random", named, [.. invocations]), initial, script, platform);
    }

    private static ScriptedPolicy PolicyFor(Case c)
    {
        var policy = new ScriptedPolicy().AtStart(context =>
        {
            for (var f = 0; f < c.InitialProvisioned.Length; f++)
            {
                context.SetInitialProvisionedConcurrency(f, c.InitialProvisioned[f]);
            }
        });
        foreach (var action in c.Script)
        {
            policy.At(action.TimeMs, context =>
            {
                if (action.IsPing)
                {
                    context.Ping(action.Function, action.Value);
                }
                else
                {
                    context.SetProvisionedConcurrency(action.Function, action.Value);
                }
            });
        }

        return policy;
    }

    private static SimulationResult Simulate(Case c) =>
        PlatformSimulator.Run(c.Trace, new KeepWarmPolicyFactory("scripted", _ => PolicyFor(c)), c.Platform);

    [Fact]
    public void The_random_cases_reach_every_corner_of_the_model()
    {
        // Guards the generator: properties over cases that never throttle or provision would prove little.
        long throttles = 0, pingThrottles = 0, coldPings = 0, provisionedStarts = 0, warmStarts = 0, pcDecreases = 0;
        GenCase.Sample(
            c =>
            {
                var result = Simulate(c);
                Interlocked.Add(ref throttles, result.Throttles);
                Interlocked.Add(ref pingThrottles, result.Counts.PingThrottles);
                Interlocked.Add(ref coldPings, result.ColdPings);
                Interlocked.Add(ref provisionedStarts, result.Counts.ProvisionedStarts);
                Interlocked.Add(ref warmStarts, result.WarmStarts - result.Counts.ProvisionedStarts);
                var lastValue = new Dictionary<string, int>();
                foreach (var decision in result.Decisions.Where(d => d.Kind != PolicyDecisionKind.Ping))
                {
                    if (lastValue.TryGetValue(decision.Function, out var previous) && decision.Value < previous)
                    {
                        Interlocked.Increment(ref pcDecreases);
                    }

                    lastValue[decision.Function] = decision.Value;
                }
            },
            iter: Iterations);

        Assert.All([throttles, pingThrottles, coldPings, provisionedStarts, warmStarts, pcDecreases], count => Assert.True(count > 10, $"{throttles} {pingThrottles} {coldPings} {provisionedStarts} {warmStarts} {pcDecreases}"));
    }

    [Fact]
    public void Agrees_with_the_naive_model_on_every_count_and_the_cost()
    {
        GenCase.Sample(
            c =>
            {
                var result = Simulate(c);
                var naive = NaivePlatformModel.Run(c.Trace, c.InitialProvisioned, c.Script, c.Platform);
                var counts = result.Counts;
                Assert.Equal(
                    naive with { CostUsd = 0 },
                    new NaivePlatformModel.Outcome(counts.ColdStarts, counts.WarmStarts, counts.ProvisionedStarts, counts.Throttles, counts.Pings, counts.ColdPings, counts.PingThrottles, 0));
                Assert.Equal(naive.CostUsd, result.CostUsd, 1e-12);
            },
            iter: Iterations,
            print: c => c.ToString());
    }

    [Fact]
    public void No_invocation_is_lost_and_pings_are_counted_apart()
    {
        GenCase.Sample(
            c =>
            {
                var result = Simulate(c);
                foreach (var (function, index) in result.PerFunction.Select((f, i) => (f, i)))
                {
                    var counts = function.Counts;
                    Assert.Equal(c.Trace.Invocations.ToArray().Count(i => i.FunctionIndex == index), counts.Invocations);
                    Assert.Equal(counts.Invocations, counts.ColdStarts + counts.WarmStarts + counts.Throttles);
                    Assert.InRange(counts.ProvisionedStarts, 0, counts.WarmStarts);
                    var requested = c.Script.Where(a => a.IsPing && a.Function == index && a.TimeMs < DemandTrace.HorizonMs).Sum(a => a.Value);
                    Assert.Equal(requested, counts.Pings + counts.PingThrottles);
                    Assert.InRange(counts.ColdPings, 0, counts.Pings);
                }

                Assert.Equal(c.Trace.InvocationCount, result.Invocations);
                Assert.Equal((result.ColdStarts + result.WarmStarts + result.Pings) * 0.2 / 1e6, result.Cost.RequestsUsd, 1e-15);
            },
            iter: Iterations,
            print: c => c.ToString());
    }

    [Fact]
    public void Cost_is_never_negative()
    {
        GenCase.Sample(
            c =>
            {
                var cost = Simulate(c).Cost;
                Assert.True(cost.RequestsUsd >= 0 && cost.OnDemandDurationUsd >= 0 && cost.ProvisionedConcurrencyUsd >= 0 && cost.ProvisionedDurationUsd >= 0, cost.ToString());
                Assert.True(cost.TotalUsd >= 0);
            },
            iter: Iterations,
            print: c => c.ToString());
    }

    [Fact]
    public void The_same_input_gives_the_same_result()
    {
        GenCase.Sample(
            c =>
            {
                var first = Simulate(c);
                var second = Simulate(c);
                Assert.Equal(first.Counts, second.Counts);
                Assert.Equal(first.Cost, second.Cost);
                Assert.Equal(first.PerFunction, second.PerFunction);
            },
            iter: Iterations,
            print: c => c.ToString());
    }

    [Fact]
    public void Pings_never_turn_a_user_invocation_into_a_throttle_when_concurrency_is_unlimited()
    {
        // Without limits, pings only ever add environments: the user's counts still add up and nothing is throttled.
        GenCase.Select(c => c with { Platform = c.Platform with { AccountConcurrencyLimit = 1000, ReservedConcurrency = new Dictionary<string, int>() } }).Sample(
            c => Assert.Equal(0, Simulate(c).Throttles),
            iter: Iterations,
            print: c => c.ToString());
    }
}
