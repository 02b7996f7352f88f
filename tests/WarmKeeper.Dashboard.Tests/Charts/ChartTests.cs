using System.Text.Json.Nodes;
using Bunit;
using WarmKeeper.Dashboard.Charts;
using WarmKeeper.Dashboard.Client;

namespace WarmKeeper.Dashboard.Tests.Charts;

public sealed class ScaleTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(0.4, 1)]
    [InlineData(1, 1)]
    [InlineData(3, 5)]
    [InlineData(6, 10)]
    [InlineData(11, 20)]
    [InlineData(21, 25)]
    [InlineData(26, 50)]
    [InlineData(100, 100)]
    [InlineData(101, 200)]
    public void An_axis_ends_on_a_round_number_at_or_above_the_data(double max, double ceiling) =>
        Assert.Equal(ceiling, LinearScale.NiceCeiling(max));

    [Fact]
    public void Ticks_of_a_count_axis_are_whole_and_span_it() =>
        Assert.Equal([0, 2, 4, 6, 8, 10], LinearScale.Ticks(10, 5));

    [Fact]
    public void The_y_axis_maps_zero_to_the_baseline_and_the_ceiling_to_the_top()
    {
        var y = new LinearScale(0, 10, 250, 10);
        Assert.Equal(250, y.Map(0));
        Assert.Equal(10, y.Map(10));
        Assert.Equal(130, y.Map(5));
        Assert.Equal(130, new LinearScale(3, 3, 250, 10).Map(3));
    }

    [Fact]
    public void A_log_axis_gives_each_decade_the_same_room()
    {
        var (min, max) = LogScale.Decades([0.00036, 0.0078, 0.045, 0]);
        Assert.Equal((0.0001, 0.1), (min, max), new ToleranceComparer());
        var x = new LogScale(min, max, 0, 300);
        Assert.Equal(100, x.Map(0.001), 6);
        Assert.Equal(200, x.Map(0.01), 6);
        Assert.Equal(0, x.Map(0), 6);
    }

    [Fact]
    public void Labels_of_points_close_together_are_stacked_not_overprinted()
    {
        var ys = LabelLayout.Place([(100, 50, "ping-5min"), (101, 50, "adaptive"), (400, 50, "far-away")]);
        Assert.Equal(44, ys[0]);
        Assert.Equal(57, ys[1]);
        Assert.Equal(44, ys[2]);
    }

    private sealed class ToleranceComparer : IEqualityComparer<(double, double)>
    {
        public bool Equals((double, double) x, (double, double) y) => Math.Abs(x.Item1 - y.Item1) < 1e-12 && Math.Abs(x.Item2 - y.Item2) < 1e-12;

        public int GetHashCode((double, double) obj) => 0;
    }
}

public sealed class ParetoFrontierTests
{
    [Fact]
    public void The_frontier_keeps_the_runs_no_other_beats_on_both_counts_cheapest_first()
    {
        SimulationRowInfo Row(string policy, long cold, double cost) => new("t", policy, 10, 1000, cold, 0, 0, cost);
        var rows = new[] { Row("none", 60, 0.001), Row("ping", 20, 0.002), Row("worse-ping", 25, 0.003), Row("pc", 0, 0.05), Row("same-cost-more-cold", 70, 0.001) };

        Assert.Equal(["none", "ping", "pc"], ParetoFrontier.Of(rows).Select(r => r.Policy));
    }
}

public sealed class ConcurrencyChartModelTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Provisioned_follows_applied_decisions_and_desired_follows_every_decision()
    {
        var decisions = new[]
        {
            Decision(10, current: 2, desired: 5, applied: true),
            Decision(20, current: 5, desired: 3, applied: false, dryRun: true),
            Decision(30, current: 5, desired: 8, applied: true),
            Decision(-5, current: 0, desired: 2, applied: true), // before the window
        };
        var model = ConcurrencyChartModel.Build(Start, Start.AddHours(1), [Point(5, 12)], decisions, provisionedNow: 8);

        Assert.Equal([2, 5, 8], model.Provisioned.Select(s => s.Value));
        Assert.Equal([2, 5, 3, 8], model.Desired.Select(s => s.Value));
        Assert.Equal(3, model.Decisions.Count);
        Assert.Equal(20, model.Ceiling);
    }

    [Fact]
    public void Without_decisions_provisioned_is_what_the_target_reports_now()
    {
        var model = ConcurrencyChartModel.Build(Start, Start.AddHours(1), [], [], provisionedNow: 4);

        Assert.Equal([4], model.Provisioned.Select(s => s.Value));
        Assert.Empty(model.Desired);
        Assert.Equal(5, model.Ceiling);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => Start.AddMinutes(10 * i)), model.TimeTicks());
    }

    internal static ScalingDecisionInfo Decision(int minute, int current, int desired, bool applied, bool dryRun = false) =>
        ScalingDecisionInfo.From(new AgentEventInfo(minute, Start.AddMinutes(minute), EventKinds.ScalingDecision, "local", "orders", "live", "p", "policy:p", "s",
            new JsonObject { ["current"] = current, ["desired"] = desired, ["applied"] = applied, ["dryRun"] = dryRun, ["reason"] = $"reason {minute}" }))!;

    internal static DemandPoint Point(int minute, int maxInFlight) => new(Start.AddMinutes(minute), maxInFlight, maxInFlight / 2.0, maxInFlight, 0, 0);
}

public sealed class ChartComponentTests : BunitContext
{
    [Fact]
    public void A_sparkline_draws_the_peak_at_the_top_and_quiet_at_the_baseline()
    {
        var spark = Render<Sparkline>(p => p.Add(s => s.Values, [0, 5, 10]).Add(s => s.Width, 100).Add(s => s.Height, 20).Add(s => s.Label, "orders: peak 10"));

        Assert.Equal("1,19 50,10 99,1", spark.Find("polyline").GetAttribute("points"));
        Assert.Equal("orders: peak 10", spark.Find("svg").GetAttribute("aria-label"));
    }

    [Fact]
    public void A_sparkline_without_traffic_says_so()
    {
        var spark = Render<Sparkline>(p => p.Add(s => s.Values, Array.Empty<double>()));
        Assert.Contains("no traffic", spark.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void The_concurrency_chart_marks_each_decision_at_its_value_and_explains_it()
    {
        var start = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
        var model = ConcurrencyChartModel.Build(start, start.AddHours(1),
            [ConcurrencyChartModelTests.Point(0, 10)], [ConcurrencyChartModelTests.Decision(30, 2, 5, applied: true)], provisionedNow: 5);

        var chart = Render<ConcurrencyChart>(p => p.Add(c => c.Model, model));

        var marker = chart.Find("circle.decision");
        // Half way across the plot (44 … 888), at 5 of a 10 axis (252 … 12).
        Assert.Equal("466", marker.GetAttribute("cx"));
        Assert.Equal("132", marker.GetAttribute("cy"));
        Assert.Contains("2 → 5", marker.TextContent, StringComparison.Ordinal);
        Assert.Contains("reason 30", marker.TextContent, StringComparison.Ordinal);
        Assert.EndsWith("H888", chart.Find("path[data-series=provisioned]").GetAttribute("d"), StringComparison.Ordinal);
        Assert.Contains("1 decision(s)", chart.Find("desc").TextContent, StringComparison.Ordinal);
        Assert.Equal(["0", "3", "6", "9"], chart.FindAll("g.grid text").Select(t => t.TextContent).Take(4));
    }
}
