using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Simulation;
using static WarmKeeper.Core.Tests.Simulation.SimulationTestKit;

namespace WarmKeeper.Core.Tests.Simulation;

public sealed class PlatformModelTests
{
    private static readonly TraceFunction Api = new("api", 1024, 100);
    private static readonly PlatformPrices Prices = PlatformPrices.UsEast1X86;

    [Fact]
    public void A_cold_start_pays_init_and_the_environment_is_reused_when_idle()
    {
        var trace = Trace(Api, (0, 1000), (1100, 500), (1500, 10));

        var result = Run(trace, new ScriptedPolicy());

        // 0: cold, busy until 1100 (init included); 1100: idle at its busy_until, warm; 1500: busy until 1600, cold.
        Assert.Equal(2, result.ColdStarts);
        Assert.Equal(1, result.WarmStarts);
        Assert.Equal((GbSeconds(1024, 1100 + 500 + 110) * Prices.OnDemandPerGbSecond) + (3 * 0.2 / 1e6), result.CostUsd, 12);
    }

    [Fact]
    public void Routing_takes_the_most_recently_used_idle_environment()
    {
        // Two environments: A (last_end 110) and B (last_end 160). At 200 the MRU one (B) is used until 210; at 1115
        // A is past REAP (1005 ms idle) and removed, B survives (905 ms), so of two arrivals one is cold.
        // Had the least recently used one been taken at 200, both would survive and both be warm.
        var trace = Trace(Api, (0, 10), (50, 10), (200, 10), (1115, 10), (1115, 10));

        var result = Run(trace, new ScriptedPolicy(), reapMs: 1000);

        Assert.Equal(3, result.ColdStarts);
    }

    [Fact]
    public void Among_equally_recent_environments_routing_takes_the_earliest_created()
    {
        // A is born at 0 and B at 1,000,000; a fan-out-2 ping at 1,100,000 leaves both with last_end 1,100,100.
        // The arrival at 1,200,000 takes A (earliest created), so B is reaped (REAP 150 s) and A, kept busy every
        // 100 s, is retired at its 2 h lifetime: a third cold start at 7,200,000. Taking B instead would end with 2.
        var steady = Enumerable.Range(0, 62).Select(i => (1_200_000L + (i * 100_000L), 10));
        var trace = Trace(Api, [(0, 1_000_100), (1_000_000, 10), .. steady]);
        var policy = new ScriptedPolicy().At(1_100_000, c => c.Ping(0, 2));

        var result = Run(trace, policy, reapMs: 150_000);

        Assert.Equal(0, result.ColdPings);
        Assert.Equal(3, result.ColdStarts);
    }

    [Theory]
    [InlineData(999, 0)]
    [InlineData(1000, 1)]
    public void An_on_demand_environment_is_reaped_once_idle_for_REAP(long idleMs, int extraColdStarts)
    {
        // The first run ends at 100 (init) + 10.
        var trace = Trace(Api, (0, 10), (110 + idleMs, 10));

        var result = Run(trace, new ScriptedPolicy(), reapMs: 1000);

        Assert.Equal(1 + extraColdStarts, result.ColdStarts);
    }

    [Fact]
    public void An_environment_is_retired_at_its_lifetime_even_when_kept_busy()
    {
        var every10Minutes = Enumerable.Range(0, 13).Select(i => (i * 10 * Minute, 10)).ToArray();

        var result = Run(Trace(Api, every10Minutes), new ScriptedPolicy(), reapMs: 30 * Minute);

        // Born at 0; at 120 min it is idle and 2 h old, so it is retired and that arrival is cold.
        Assert.Equal(2, result.ColdStarts);
    }

    [Fact]
    public void A_busy_environment_outlives_its_lifetime_until_it_is_idle()
    {
        var twoHours = 120 * Minute;
        var trace = Trace(Api, (0, (int)twoHours), (twoHours + 50, 10), (twoHours + 200, 10));

        var result = Run(trace, new ScriptedPolicy(), reapMs: 30 * Minute);

        // The first environment is busy until 2 h + 100 ms: the arrival at 2 h + 50 is cold (B), and at 2 h + 200 the
        // old one is idle and retired, so that arrival takes B (idle since 2 h + 160): warm.
        Assert.Equal(2, result.ColdStarts);
        Assert.Equal(1, result.WarmStarts);
    }

    [Fact]
    public void A_provisioned_environment_is_preferred_and_replaced_without_a_cold_start_at_its_lifetime()
    {
        var hourly = Enumerable.Range(0, 24).Select(i => (i * 60 * Minute, 10)).ToArray();
        var policy = new ScriptedPolicy().AtStart(c => c.SetInitialProvisionedConcurrency(0, 1));

        var result = Run(Trace(Api, hourly), policy);

        Assert.Equal(0, result.ColdStarts);
        Assert.Equal(24, result.Counts.ProvisionedStarts);
        Assert.Equal(GbSeconds(1024, DemandTrace.HorizonMs) * Prices.ProvisionedConcurrencyPerGbSecond, result.Cost.ProvisionedConcurrencyUsd, 12);
        Assert.Equal(GbSeconds(1024, 240) * Prices.ProvisionedDurationPerGbSecond, result.Cost.ProvisionedDurationUsd, 12);
    }

    [Fact]
    public void An_increase_of_provisioned_concurrency_is_ready_90_seconds_later_and_billed_from_the_change()
    {
        var policy = new ScriptedPolicy().At(10_000, c => c.SetProvisionedConcurrency(0, 1));
        // The first arrival holds an on-demand environment long enough that only a provisioned one can serve the others.
        var trace = Trace(Api, (0, 500_000), (99_999, 10), (100_000, 10));

        var result = Run(trace, policy);

        Assert.Equal(2, result.ColdStarts);
        Assert.Equal(1, result.Counts.ProvisionedStarts);
        Assert.Equal(GbSeconds(1024, DemandTrace.HorizonMs - 10_000) * Prices.ProvisionedConcurrencyPerGbSecond, result.Cost.ProvisionedConcurrencyUsd, 12);
    }

    [Fact]
    public void A_decrease_turns_provisioned_environments_into_on_demand_ones_at_once()
    {
        var policy = new ScriptedPolicy()
            .AtStart(c => c.SetInitialProvisionedConcurrency(0, 2))
            .At(1000, c => c.SetProvisionedConcurrency(0, 0));
        var trace = Trace(Api, (1000, 10), (1000, 10), (1000, 10), (11 * Minute, 10));

        var result = Run(trace, policy, reapMs: 10 * Minute);

        // At 1000 the two demoted environments serve as warm on-demand ones, the third arrival is cold. They were
        // used until 1010, so at 11 min (more than 10 min later) they and the cold one (idle since 1110) are reaped.
        Assert.Equal(0, result.Counts.ProvisionedStarts);
        Assert.Equal(2, result.ColdStarts);
        Assert.Equal(2, result.WarmStarts);
        Assert.Equal(GbSeconds(2048, 1000) * Prices.ProvisionedConcurrencyPerGbSecond, result.Cost.ProvisionedConcurrencyUsd, 12);
    }

    [Fact]
    public void A_decrease_before_an_increase_is_ready_cancels_it()
    {
        var policy = new ScriptedPolicy()
            .At(0, c => c.SetProvisionedConcurrency(0, 3))
            .At(30_000, c => c.SetProvisionedConcurrency(0, 1));
        var trace = Trace(Api, (100_000, 100_000), (100_001, 10), (100_002, 10));

        var result = Run(trace, policy);

        Assert.Equal(1, result.Counts.ProvisionedStarts);
        Assert.Equal(2, result.ColdStarts);
    }

    [Fact]
    public void Pings_occupy_distinct_environments_and_their_cold_starts_are_not_users()
    {
        var policy = new ScriptedPolicy().AtStart(c => c.Ping(0, 3));
        // Pings are busy until init + 100 = 200.
        var trace = Trace(Api, (200, 10), (200, 10), (200, 10), (200, 10));

        var result = Run(trace, policy);

        Assert.Equal(3, result.Pings);
        Assert.Equal(3, result.ColdPings);
        Assert.Equal(1, result.ColdStarts);
        Assert.Equal(3, result.WarmStarts);
        Assert.Equal(7 * 0.2 / 1e6, result.Cost.RequestsUsd, 15);
        Assert.Equal(GbSeconds(1024, (3 * 200) + 110 + 30) * Prices.OnDemandPerGbSecond, result.Cost.OnDemandDurationUsd, 12);
    }

    [Fact]
    public void A_policy_action_at_t_happens_before_the_arrivals_at_t()
    {
        var policy = new ScriptedPolicy().At(1000, c => c.Ping(0, 1));
        var trace = Trace(Api, (0, 10), (1000, 10));

        var result = Run(trace, policy);

        // The ping takes the only (idle) environment first, so the arrival at the same instant is cold.
        Assert.Equal(2, result.ColdStarts);
        Assert.Equal(0, result.ColdPings);
    }

    [Fact]
    public void Reserved_concurrency_throttles_without_running_or_billing()
    {
        var trace = Trace(Api, (0, 1000), (10, 1000), (2000, 1000));

        var result = Run(trace, new ScriptedPolicy(), configure: o => o with { ReservedConcurrency = new Dictionary<string, int> { ["api"] = 1 } });

        Assert.Equal(1, result.Throttles);
        Assert.Equal(1, result.ColdStarts);
        Assert.Equal(1, result.WarmStarts);
        Assert.Equal(2 * 0.2 / 1e6, result.Cost.RequestsUsd, 15);
    }

    [Fact]
    public void The_account_limit_counts_busy_and_provisioned_environments_but_not_idle_on_demand_ones()
    {
        TraceFunction[] functions = [new("a", 128, 0), new("b", 128, 0), new("c", 128, 0)];
        // a's environment is idle from 10 on; b then fits. c's arrival at 30 finds b busy and c's reserved
        // provisioned environment counted: limit 2 reached.
        var trace = Trace(functions, (0, 0, 10), (20, 1, 1000), (30, 0, 1000), (40, 1, 10));
        var policy = new ScriptedPolicy().AtStart(c => c.SetInitialProvisionedConcurrency(2, 1));

        var result = Run(trace, policy, configure: o => o with { AccountConcurrencyLimit = 2 });

        // 0: a cold (1 in use + c's provisioned = 2). 20: a idle, so b fits (b + c's = 2). 30: a's env idle: warm.
        // 40: b busy, a busy, c provisioned: b needs a new one and is throttled.
        Assert.Equal(2, result.ColdStarts);
        Assert.Equal(1, result.WarmStarts);
        Assert.Equal(1, result.Throttles);
    }

    [Fact]
    public void Provisioned_concurrency_above_reserved_concurrency_is_refused()
    {
        var policy = new ScriptedPolicy().AtStart(c => c.SetProvisionedConcurrency(0, 3));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Run(Trace(Api, (0, 1)), policy, configure: o => o with { ReservedConcurrency = new Dictionary<string, int> { ["api"] = 2 } }));

        Assert.Contains("reserved concurrency (2)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Initial_provisioned_concurrency_can_only_be_set_at_the_start()
    {
        var policy = new ScriptedPolicy().At(5, c => c.SetInitialProvisionedConcurrency(0, 1));

        Assert.Throws<InvalidOperationException>(() => Run(Trace(Api, (0, 1)), policy));
    }

    [Fact]
    public void Timers_cannot_be_set_in_the_past_and_never_fire_at_or_after_the_horizon()
    {
        var accepted = new List<bool>();
        var policy = new ScriptedPolicy().At(1000, c =>
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => c.ScheduleTimer(999));
            accepted.Add(c.ScheduleTimer(DemandTrace.HorizonMs - 1));
            accepted.Add(c.ScheduleTimer(DemandTrace.HorizonMs));
        });

        Run(Trace(Api, (DemandTrace.HorizonMs, 1)), policy);

        Assert.Equal([true, false], accepted);
        Assert.Equal([1000, DemandTrace.HorizonMs - 1], policy.TimerCalls);
    }

    [Fact]
    public void Completions_are_delivered_at_their_end_with_their_outcome()
    {
        var policy = new ScriptedPolicy(KeepWarmInterest.Completions | KeepWarmInterest.Arrivals);

        Run(Trace(Api, (0, 50), (500, 20)), policy);

        Assert.Equal(
        [
            (0, new KeepWarmObservation(ObservationKind.InvocationArrived, 0, 0, 0, 0, StartKind.None)),
            (150, new KeepWarmObservation(ObservationKind.InvocationCompleted, 0, 150, 0, 50, StartKind.Cold)),
            (500, new KeepWarmObservation(ObservationKind.InvocationArrived, 0, 500, 500, 0, StartKind.None)),
            (520, new KeepWarmObservation(ObservationKind.InvocationCompleted, 0, 520, 500, 20, StartKind.Warm)),
        ],
        policy.Seen);
    }

    [Fact]
    public void Every_ping_and_change_of_provisioned_concurrency_is_recorded_with_its_reason()
    {
        var policy = new ScriptedPolicy()
            .AtStart(c => c.SetInitialProvisionedConcurrency(0, 2, "start"))
            .At(1000, c =>
            {
                c.Ping(0, 2, "warm");
                c.SetProvisionedConcurrency(0, 2, "no change");
                c.SetProvisionedConcurrency(0, 1, "less");
            });

        var result = Run(Trace(Api, (5000, 1)), policy);

        Assert.Equal(
            [
                new PolicyDecision(0, "api", PolicyDecisionKind.InitialProvisionedConcurrency, 2, "start"),
                new PolicyDecision(1000, "api", PolicyDecisionKind.Ping, 2, "warm"),
                new PolicyDecision(1000, "api", PolicyDecisionKind.SetProvisionedConcurrency, 1, "less"),
            ],
            result.Decisions);
    }

    [Fact]
    public void Invalid_platform_options_are_refused_naming_every_field()
    {
        var options = PlatformOptions.WithReap(TimeSpan.Zero) with { AccountConcurrencyLimit = 0 };

        var error = Assert.Throws<ArgumentException>(() =>
            PlatformSimulator.Run(Trace(Api, (0, 1)), new KeepWarmPolicyFactory("x", _ => new ScriptedPolicy()), options));

        Assert.Contains("ReapMs", error.Message, StringComparison.Ordinal);
        Assert.Contains("AccountConcurrencyLimit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Peak_concurrency_does_not_count_an_end_and_a_start_at_the_same_instant_as_overlap()
    {
        var trace = Trace(Api, (0, 100), (100, 100), (150, 10), (150, 10), (400, 0), (400, 0));

        Assert.Equal([3], TraceStatistics.PeakConcurrency(trace));
    }
}
