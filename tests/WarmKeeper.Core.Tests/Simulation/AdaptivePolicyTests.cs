using CsCheck;
using WarmKeeper.Core.Adaptive;
using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Simulation;
using static WarmKeeper.Core.Tests.Simulation.SimulationTestKit;

namespace WarmKeeper.Core.Tests.Simulation;

public sealed class AdaptivePolicyTests(SharedTracesFixture traces) : IClassFixture<SharedTracesFixture>
{
    private static (SimulationResult Result, AdaptivePolicy Policy) RunAdaptive(DemandTrace trace, PlatformOptions platform)
    {
        AdaptivePolicy? policy = null;
        var result = PlatformSimulator.Run(trace, new KeepWarmPolicyFactory(AdaptivePolicy.Name, _ => policy = new AdaptivePolicy()), platform);
        return (result, policy!);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(30)]
    public void Learns_the_idle_timeout_from_outcomes_and_pings_just_inside_it(int reapMinutes)
    {
        var reap = reapMinutes * Minute;
        var (result, policy) = RunAdaptive(traces.Get("sparse-24h"), PlatformOptions.WithReap(TimeSpan.FromMinutes(reapMinutes)));

        // Proven, never more than the truth, and within 5% of it.
        Assert.InRange(policy.IdleTimeout.LowerMs!.Value, (long)(reap * 0.95), reap - 1);
        Assert.InRange(policy.IdleTimeout.SafeGapMs, (long)(reap * 0.95), reap - 1);
        Assert.True(policy.IdleTimeout.UpperMs is null || policy.IdleTimeout.UpperMs >= reap);

        // Once learned (probing is paid from savings, so it takes the first hours), keep-alive pings are spaced by what it
        // learned: in the second half of the day, about one per function per REAP, not one every 5 minutes.
        var secondHalf = result.Decisions.Where(d => d.Kind == PolicyDecisionKind.Ping && d.AtMs >= 12 * 60 * Minute).Sum(d => d.Value);
        var perFunctionAndHalfDay = secondHalf / (double)result.PerFunction.Count;
        Assert.InRange(perFunctionAndHalfDay, 12 * 60.0 / reapMinutes * 0.8, 12 * 60.0 / reapMinutes * 1.4);
        Assert.True(result.Pings < result.PerFunction.Count * 288, $"{result.Pings} pings: no fewer than a 5-minute warmer");
        Assert.Equal(0, result.ColdStarts);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(30)]
    public void Probing_is_paid_from_savings_so_a_short_timeout_never_costs_more_than_the_oracle(int reapMinutes)
    {
        // Two heavy, rarely used functions: a probe's cold start costs more than everything adapting saves on them in a
        // day. At REAP 5 a warmer cannot do better than a ping every 5 minutes, so probing there is pure loss.
        TraceFunction[] functions = [new("heavy-a", 1024, 1200), new("heavy-b", 2048, 1100)];
        var rows = new List<(long, int, int)>();
        var random = new Random(7);
        foreach (var function in new[] { 0, 1 })
        {
            for (var t = 0L; ;)
            {
                t += random.NextInt64(10 * Minute, 4 * 60 * Minute);
                if (t > DemandTrace.HorizonMs)
                {
                    break;
                }

                rows.Add((t, function, random.Next(50, 2000)));
            }
        }

        var trace = Trace(functions, [.. rows.OrderBy(r => r.Item1)]);
        var platform = PlatformOptions.WithReap(TimeSpan.FromMinutes(reapMinutes));
        var (adaptive, _) = RunAdaptive(trace, platform);
        var oracle = PlatformSimulator.Run(trace, PolicyCatalog.Get("ping-5min-peak", trace), platform);

        Assert.Equal(0, adaptive.ColdStarts);
        Assert.DoesNotContain(adaptive.Decisions, d => d.Reason!.Contains("probe", StringComparison.Ordinal));
        Assert.True(adaptive.CostUsd <= oracle.CostUsd, $"adaptive ${adaptive.CostUsd:0.000000}, oracle ${oracle.CostUsd:0.000000}");
    }

    [Theory]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(30)]
    public void A_keep_alive_never_holds_the_only_environment_when_a_timer_fires(int reapMinutes)
    {
        // A 5-minute timer a little late each time: its idle gap (300,030 - 118 ms) just exceeds the assumed timeout,
        // so a keep-alive due at the gap's end lands 12 ms before the timer fires and holds the only environment.
        var function = new TraceFunction("timer", 256, 300);
        var rows = new List<(long, int)>();
        for (var t = 241_784L; t < DemandTrace.HorizonMs; t += 300_030)
        {
            rows.Add((t, 118));
        }

        var trace = Trace(function, [.. rows]);
        var platform = PlatformOptions.WithReap(TimeSpan.FromMinutes(reapMinutes));
        var (adaptive, _) = RunAdaptive(trace, platform);

        Assert.Equal(0, adaptive.ColdStarts);
        Assert.True(adaptive.CostUsd <= PlatformSimulator.Run(trace, PolicyCatalog.Get("ping-5min-peak", trace), platform).CostUsd);
    }

    [Fact]
    public void An_environment_at_the_end_of_its_life_hands_over_to_a_successor_ready_before_it_goes()
    {
        // A user a minute, 200 ms past the minute. The environment born by the first ping at t = 0 retires at 2 h; a plain
        // replacement then would still be initializing (300 ms) when the user of 2 h 0 min 0.2 s arrives.
        var function = new TraceFunction("steady", 512, 300);
        var rows = new List<(long, int)>();
        for (var t = 60_200L; t < 3 * 60 * Minute; t += Minute)
        {
            rows.Add((t, 100));
        }

        // No probing, so that this function keeps one environment.
        var result = PlatformSimulator.Run(Trace(function, [.. rows]), AdaptivePolicy.Factory(new AdaptiveOptions { ParallelProbes = 0 }), PlatformOptions.WithReap(TimeSpan.FromMinutes(30)));

        Assert.Equal(0, result.ColdStarts);
        var handover = result.Decisions.First(d => d.Reason!.Contains("hand over", StringComparison.Ordinal));
        Assert.Equal(2, handover.Value);
        Assert.InRange(handover.AtMs, (2 * 60 * Minute) - 2_000, (2 * 60 * Minute) - 1);
    }

    [Fact]
    public void Savings_keep_the_peak_warm_where_the_idle_timeout_is_long()
    {
        // Two bursts of 4 eight hours apart, next to a busy function that keeps itself warm (what a plain warmer would
        // have pinged it is saved). By the second burst the forecast alone has released the peak (too little history).
        TraceFunction[] functions = [new("bursty", 128, 300), new("steady", 2048, 200)];
        var rows = new List<(long, int, int)>();
        foreach (var burst in new[] { (60 * Minute) + 12_345, (9 * 60 * Minute) + 12_345 })
        {
            rows.AddRange(Enumerable.Range(0, 4).Select(k => (burst + (k * 10L), 0, 10_000)));
        }

        for (var t = 777L; t < DemandTrace.HorizonMs; t += Minute)
        {
            rows.Add((t, 1, 100));
        }

        var trace = Trace(functions, [.. rows.OrderBy(r => r.Item1)]);
        var platform = PlatformOptions.WithReap(TimeSpan.FromMinutes(30));
        var spending = PlatformSimulator.Run(trace, AdaptivePolicy.Factory(), platform);
        var saving = PlatformSimulator.Run(trace, AdaptivePolicy.Factory(new AdaptiveOptions { SavingsReserve = 1.0 }), platform);

        // The first burst meets two warm environments (the function's own and its probe's shadow: it is the cheapest to
        // probe with), so 2 cold starts either way; the second finds all four warm only where savings may be spent.
        Assert.Equal(2, spending.PerFunction[0].Counts.ColdStarts);
        Assert.Equal(2 + 3, saving.PerFunction[0].Counts.ColdStarts);
        Assert.True(spending.CostUsd <= PlatformSimulator.Run(trace, PolicyCatalog.Get("ping-5min-peak", trace), platform).CostUsd);
    }

    [Fact]
    public void Its_pings_go_through_the_planner_and_its_reasons_say_why()
    {
        var (result, _) = RunAdaptive(traces.Get("sparse-24h"), PlatformOptions.WithReap(TimeSpan.FromMinutes(10)));

        Assert.All(result.Decisions, d => Assert.StartsWith("adaptive:", d.Reason, StringComparison.Ordinal));
        Assert.Contains(result.Decisions, d => d.Reason!.Contains("probe the idle timeout", StringComparison.Ordinal));
        Assert.Contains(result.Decisions, d => d.Reason!.Contains("lifetime", StringComparison.Ordinal));
        Assert.Equal(result.Pings, result.Decisions.Where(d => d.Kind == PolicyDecisionKind.Ping).Sum(d => (long)d.Value));
    }

    [Fact]
    public void Switches_a_busy_function_to_provisioned_concurrency_through_the_decider_where_it_is_cheaper()
    {
        // Two invocations always running (each 10 s, back to back on two lanes) for six hours: utilization 100% on two levels.
        var function = new TraceFunction("busy", 1024, 500);
        var rows = new List<(long, int)>();
        for (var t = 0L; t < 6 * 60 * Minute; t += 10_000)
        {
            rows.Add((t, 10_000));
            rows.Add((t, 10_000));
        }

        var trace = Trace(function, [.. rows]);
        var (adaptive, _) = RunAdaptive(trace, PlatformOptions.WithReap(TimeSpan.FromMinutes(10)));
        var none = PlatformSimulator.Run(trace, PolicyCatalog.Get("none", trace), PlatformOptions.WithReap(TimeSpan.FromMinutes(10)));

        var provisioning = adaptive.Decisions.Where(d => d.Kind == PolicyDecisionKind.SetProvisionedConcurrency).ToList();
        Assert.NotEmpty(provisioning);
        Assert.Equal(2, provisioning[0].Value);
        Assert.Contains("target-tracking", provisioning[0].Reason, StringComparison.Ordinal);
        Assert.True(adaptive.Counts.ProvisionedStarts > adaptive.Invocations / 2);
        Assert.True(adaptive.CostUsd < none.CostUsd, $"adaptive ${adaptive.CostUsd}, none ${none.CostUsd}");

        // When the work stops, provisioning is given up.
        Assert.Equal(0, provisioning[^1].Value);
    }

    [Fact]
    public void Its_decisions_before_T_do_not_depend_on_the_trace_after_T()
    {
        PlatformModelPropertyTests.GenAlteredFuture.Sample(
            x =>
            {
                var (c, cut, altered) = x;
                var before = RunAdaptive(c.Trace, c.Platform).Result.Decisions.Where(d => d.AtMs < cut);
                var after = RunAdaptive(altered, c.Platform).Result.Decisions.Where(d => d.AtMs < cut);
                Assert.Equal(before, after);
            },
            iter: 60,
            print: x => x.ToString());
    }

    [Fact]
    public void No_invocation_is_lost_and_cost_is_never_negative_under_adaptive()
    {
        PlatformModelPropertyTests.GenCase.Sample(
            c =>
            {
                var (result, _) = RunAdaptive(c.Trace, c.Platform);
                Assert.Equal(c.Trace.InvocationCount, result.Invocations);
                Assert.Equal(result.Invocations, result.ColdStarts + result.WarmStarts + result.Throttles);
                Assert.True(result.Cost.RequestsUsd >= 0 && result.Cost.OnDemandDurationUsd >= 0 && result.Cost.ProvisionedConcurrencyUsd >= 0 && result.Cost.ProvisionedDurationUsd >= 0);

                // Bounded work: keep-alives are spaced by at least the floor, so a day holds a bounded number of ping
                // decisions per function (a runaway re-plan pinged every millisecond, tens of millions).
                var floor = new WarmKeeper.Core.Adaptive.AdaptiveOptions().MinKeepAliveGapMs;
                foreach (var group in result.Decisions.GroupBy(d => d.Function))
                {
                    Assert.InRange(group.Count(), 0, 3 * DemandTrace.HorizonMs / floor);
                }
            },
            iter: 200,
            print: c => c.ToString());
    }
}
