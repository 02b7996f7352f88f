using System.Collections.Concurrent;
using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.KeepWarm.References;
using WarmKeeper.Core.Simulation;

namespace WarmKeeper.Core.Tests.Simulation;

/// <summary>Reads each shared trace once for all tests of a class.</summary>
public sealed class SharedTracesFixture
{
    private readonly ConcurrentDictionary<string, Lazy<DemandTrace>> _traces = new();

    public DemandTrace Get(string name) =>
        _traces.GetOrAdd(name, n => new Lazy<DemandTrace>(() => TraceReader.Read(TraceLocator.Trace(n)))).Value;
}

/// <summary>The README's reference table, reproduced at REAP = 10 min: counts exactly, cost within 1%.</summary>
public sealed class ReferenceResultsTests(SharedTracesFixture traces) : IClassFixture<SharedTracesFixture>
{
    public static TheoryData<string, string, long, long, long, double> ReferenceTable => new()
    {
        { "mixed-24h", "none", 402_515, 484, 0, 0.9476 },
        { "mixed-24h", "ping-5min", 402_515, 289, 2_304, 0.9492 },
        { "mixed-24h", "ping-5min-peak", 402_515, 98, 6_624, 0.9549 },
        { "mixed-24h", "pc-static-peak", 402_515, 0, 0, 4.9503 },
        { "mixed-24h", "aas-tt-0.7", 402_515, 266, 0, 1.8149 },
        { "bursty-24h", "none", 121_049, 1_254, 0, 0.2673 },
        { "bursty-24h", "ping-5min", 121_049, 1_220, 1_152, 0.2686 },
        { "bursty-24h", "ping-5min-peak", 121_049, 27, 39_168, 0.3381 },
        { "bursty-24h", "pc-static-peak", 121_049, 0, 0, 42.8181 },
        { "bursty-24h", "aas-tt-0.7", 121_049, 1_199, 0, 1.0616 },
        { "sparse-24h", "none", 264, 181, 0, 0.0006 },
        { "sparse-24h", "ping-5min", 264, 0, 3_456, 0.0026 },
    };

    [Theory]
    [MemberData(nameof(ReferenceTable))]
    public void Reproduces_the_reference_row(string traceName, string policyName, long invocations, long coldStarts, long pings, double costUsd)
    {
        var trace = traces.Get(traceName);
        var policy = ReferencePolicyCatalog.Get(policyName, trace);

        var result = PlatformSimulator.Run(trace, policy, PlatformOptions.WithReap(TimeSpan.FromMinutes(10)));

        Assert.Equal(invocations, result.Invocations);
        Assert.Equal(coldStarts, result.ColdStarts);
        Assert.Equal(pings, result.Pings);
        Assert.Equal(0, result.Throttles);
        // The table rounds to 4 decimals; 1% of the smallest row (0.0006) is below that rounding, so allow it too.
        var tolerance = Math.Max(costUsd * 0.01, 0.00005);
        Assert.InRange(result.CostUsd, costUsd - tolerance, costUsd + tolerance);
    }

    [Fact]
    public void The_peak_oracle_matches_the_ping_counts_of_the_table()
    {
        // 288 pings a day per unit of fan-out: 6,624 / 288 = 23 and 39,168 / 288 = 136.
        Assert.Equal(23, TraceStatistics.PeakConcurrency(traces.Get("mixed-24h")).Sum());
        Assert.Equal(136, TraceStatistics.PeakConcurrency(traces.Get("bursty-24h")).Sum());
    }

    [Fact]
    public void Reference_policies_act_only_at_multiples_of_their_period_within_the_day()
    {
        var trace = traces.Get("bursty-24h");
        var reap = PlatformOptions.WithReap(TimeSpan.FromMinutes(10));

        var pings = PlatformSimulator.Run(trace, ReferencePolicyCatalog.Get("ping-5min-peak", trace), reap).Decisions;
        var scaling = PlatformSimulator.Run(trace, ReferencePolicyCatalog.Get("aas-tt-0.7", trace), reap).Decisions;

        Assert.Equal(288 * 4, pings.Count);
        Assert.All(pings, d => Assert.Equal(0, d.AtMs % ReferencePolicyCatalog.PingPeriodMs));
        Assert.Equal((288 - 1) * ReferencePolicyCatalog.PingPeriodMs, pings.Max(d => d.AtMs));
        Assert.Equal(4, scaling.Count(d => d.AtMs == 0 && d.Value == 1));
        Assert.Contains(scaling, d => d.Value > 1);
        Assert.All(scaling, d =>
        {
            Assert.Equal(PolicyDecisionKind.SetProvisionedConcurrency, d.Kind);
            Assert.Equal(0, d.AtMs % 60_000);
            Assert.InRange(d.AtMs, 0, DemandTrace.HorizonMs - 1);
            Assert.True(d.Value >= 1);
            Assert.True(d.AtMs == 0 || d.Reason is { Length: > 0 });
        });
    }

    [Fact]
    public void The_account_limit_never_binds_on_the_reference_traces()
    {
        // Why the table cannot tell which environments count toward the 1,000 limit: far fewer ever exist.
        // The bursty trace at the longest REAP holds the most environments.
        var trace = traces.Get("bursty-24h");
        foreach (var policy in ReferencePolicyCatalog.All(trace))
        {
            var result = PlatformSimulator.Run(trace, policy, PlatformOptions.WithReap(TimeSpan.FromMinutes(30)));
            Assert.InRange(result.PeakEnvironmentsUpperBound, 100, 999);
        }
    }
}
