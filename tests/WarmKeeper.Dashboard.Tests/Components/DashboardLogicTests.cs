using WarmKeeper.Dashboard.Account;
using WarmKeeper.Dashboard.Client;
using WarmKeeper.Dashboard.Forms;
using WarmKeeper.Dashboard.Pages;

namespace WarmKeeper.Dashboard.Tests.Components;

public sealed class DashboardLogicTests
{
    [Theory]
    [InlineData("/concurrency", "/concurrency")]
    [InlineData("/functions/local/orders?x=1", "/functions/local/orders?x=1")]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example/", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("", "/")]
    [InlineData(null, "/")]
    public void Sign_in_only_returns_to_a_path_on_this_agent(string? returnUrl, string expected) =>
        Assert.Equal(expected, SignIn.LocalReturnUrl(returnUrl));

    [Fact]
    public void A_draft_of_a_stored_policy_checks_clean_and_round_trips_to_the_APIs_fields()
    {
        var draft = ConcurrencyPolicyDraft.From(FakeWarmKeeperClient.Policy());

        Assert.True(draft.Check().IsValid, draft.Check().ToString());
        var json = draft.ToJson();
        Assert.Equal(["id", "target", "function", "qualifier", "min", "max", "targetUtilization", "scaleInDelay", "stableWindow", "burstWindow",
            "burstThreshold", "predictionLead", "targetTracking", "burst", "predictive", "dryRun", "enabled", "paused", "schedules"], json.Select(p => p.Key));
    }

    [Fact]
    public void A_draft_names_schedule_fields_as_the_API_does()
    {
        var draft = ConcurrencyPolicyDraft.From(FakeWarmKeeperClient.Policy());
        draft.Schedules.Add(new ScheduleDraft { Cron = "not cron", Floor = "5", Ceiling = "2" });

        var errors = draft.Check();

        Assert.True(errors.Has("schedules[0].cron"), errors.ToString());
        Assert.True(errors.Has("schedules[0].floor"), errors.ToString());
    }

    [Fact]
    public void Quiet_steps_are_filled_in_so_a_sparkline_shows_quiet_time_as_quiet()
    {
        var t0 = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
        var series = new DemandSeries("local", "orders", null, TimeSpan.FromSeconds(10),
            [new DemandPoint(t0, 3, 1, 3, 0, 0), new DemandPoint(t0.AddSeconds(30), 5, 2, 5, 0, 0)]);

        var dense = FunctionRow.Densify(series, t0.AddSeconds(55), TimeSpan.FromSeconds(60));

        Assert.Equal([3, 0, 0, 5, 0, 0], dense.Select(p => p.MaxInFlight));
        Assert.Equal(t0.AddSeconds(50), dense[^1].Time);
    }

    [Theory]
    [InlineData("12", "12")]
    [InlineData(" 0.5 ", "0.5")]
    [InlineData("twelve", "\"twelve\"")]
    [InlineData("", null)]
    public void Typed_figures_become_numbers_and_anything_else_is_sent_as_typed(string typed, string? json) =>
        Assert.Equal(json, JsonFields.Number(typed)?.ToJsonString());
}
