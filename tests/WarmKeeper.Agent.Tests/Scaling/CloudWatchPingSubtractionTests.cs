using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Agent.Scaling;
using WarmKeeper.Core.Demand;

namespace WarmKeeper.Agent.Tests.Scaling;

/// <summary>CloudWatch counts the agent's own pings as invocations: the pings the pinger noted are taken out again.</summary>
public sealed class CloudWatchPingSubtractionTests
{
    [Fact]
    public void A_minute_of_pings_only_is_no_demand_and_callers_keep_what_is_certainly_theirs()
    {
        Assert.Equal((0, 0), CloudWatchDemandSource.WithoutOwnPings(new SentPingMinute(10, 10), invocations: 10, peakConcurrency: 10));
        Assert.Equal((5, 3), CloudWatchDemandSource.WithoutOwnPings(new SentPingMinute(10, 10), invocations: 15, peakConcurrency: 13));
        Assert.Equal((5, 1), CloudWatchDemandSource.WithoutOwnPings(new SentPingMinute(10, 10), invocations: 15, peakConcurrency: 10));
        Assert.Equal((7, 4), CloudWatchDemandSource.WithoutOwnPings(default, invocations: 7, peakConcurrency: 4));
    }

    [Fact]
    public void The_ledger_counts_pings_per_minute_and_their_peak_per_qualifier_and_for_the_function()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-02T00:00:10Z", CultureInfo.InvariantCulture));
        var ledger = new SentPings(time);
        var running = Enumerable.Range(0, 4).Select(_ => ledger.Started("prod", "orders", "live")).ToList();
        running.ForEach(r => r.Dispose());
        using (ledger.Started("prod", "orders", null))
        using (ledger.Started("prod", "orders", null))
        {
        }

        time.Advance(TimeSpan.FromMinutes(1));
        using (ledger.Started("prod", "orders", "live"))
        {
        }

        var minute = DateTimeOffset.Parse("2026-11-02T00:00:00Z", CultureInfo.InvariantCulture);
        Assert.Equal(new SentPingMinute(4, 4), ledger.In("prod", "orders", "live", minute));
        Assert.Equal(new SentPingMinute(6, 6), ledger.In("prod", "orders", null, minute));
        Assert.Equal(new SentPingMinute(1, 1), ledger.In("prod", "orders", "live", minute.AddMinutes(1)));
        Assert.Equal(default, ledger.In("prod", "payments", null, minute));
    }
}
