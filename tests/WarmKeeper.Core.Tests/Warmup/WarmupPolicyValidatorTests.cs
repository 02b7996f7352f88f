using System.Text.Json;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Core.Scheduling;

namespace WarmKeeper.Core.Tests.Warmup;

public sealed class WarmupPolicyValidatorTests
{
    private static WarmupPolicy Valid() => new()
    {
        Id = "orders-live",
        Target = "local",
        Function = "orders",
        Qualifier = "live",
        Schedule = "*/5 * * * *",
        FanOut = 5,
    };

    [Fact]
    public void A_valid_policy_has_no_errors()
    {
        Assert.True(WarmupPolicyValidator.Validate(Valid()).IsValid);
        Assert.True(WarmupPolicyValidator.Validate(Valid() with { Schedule = "0 */5 * * * *", TimeZone = "Europe/Berlin" }).IsValid);
    }

    [Fact]
    public void Every_invalid_field_is_named_at_once()
    {
        var policy = Valid() with
        {
            Id = "Not A Slug",
            Target = "",
            Function = "",
            Schedule = "every five minutes",
            TimeZone = "Mars/Olympus",
            FanOut = 0,
            HoldMs = -1,
            TopUpBudget = 5000,
            PayloadFormat = WarmupPayloadFormat.Custom,
            CustomPayload = "{not json",
        };

        var errors = WarmupPolicyValidator.Validate(policy).ToDictionary();

        Assert.Equal(
            ["customPayload", "fanOut", "function", "holdMs", "id", "schedule", "target", "timeZone", "topUpBudget"],
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("3 fields", errors["schedule"][0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("61 * * * *")]
    [InlineData("* * * *")]
    [InlineData("* * * * * * *")]
    public void Cron_that_does_not_parse_is_refused(string cron)
    {
        var errors = WarmupPolicyValidator.Validate(Valid() with { Schedule = cron });
        Assert.True(errors.Has("schedule"));
        Assert.Equal(1, errors.Count);
    }

    [Theory]
    [InlineData(1001)]
    [InlineData(-3)]
    public void Fan_out_out_of_range_is_refused(int fanOut) =>
        Assert.True(WarmupPolicyValidator.Validate(Valid() with { FanOut = fanOut }).Has("fanOut"));

    [Fact]
    public void Custom_payload_without_custom_format_is_refused() =>
        Assert.True(WarmupPolicyValidator.Validate(Valid() with { CustomPayload = "{}" }).Has("customPayload"));

    [Fact]
    public void Payloads_match_what_the_common_warmers_send()
    {
        var warmKeeper = Parse(WarmupPings.Build(Valid() with { HoldMs = 200 }, "c1", 2, 5));
        var inner = warmKeeper.GetProperty("warmkeeper");
        Assert.True(inner.GetProperty("warmup").GetBoolean());
        Assert.Equal("c1", inner.GetProperty("correlationId").GetString());
        Assert.Equal(2, inner.GetProperty("index").GetInt32());
        Assert.Equal(5, inner.GetProperty("fanOut").GetInt32());
        Assert.Equal(200, inner.GetProperty("holdMs").GetInt32());

        var plugin = Parse(WarmupPings.Build(Valid() with { PayloadFormat = WarmupPayloadFormat.ServerlessPluginWarmup }, "c1", 0, 5));
        Assert.Equal("""{"source":"serverless-plugin-warmup"}""", plugin.GetRawText());

        var custom = Parse(WarmupPings.Build(Valid() with { PayloadFormat = WarmupPayloadFormat.Custom, CustomPayload = """{"ping": 1}""" }, "c1", 0, 1));
        Assert.Equal(1, custom.GetProperty("ping").GetInt32());
    }

    [Theory]
    [InlineData("""{"custom":{"source":"me"}}""", true)]
    [InlineData("{}", true)]
    [InlineData("[1]", false)]
    [InlineData("\"text\"", false)]
    [InlineData("{not json", false)]
    public void Client_context_must_be_a_json_object(string clientContext, bool valid)
    {
        var errors = WarmupPolicyValidator.Validate(Valid() with { ClientContext = clientContext });
        Assert.Equal(valid, errors.IsValid);
        Assert.Equal(!valid, errors.Has("clientContext"));
    }

    [Fact]
    public void Client_context_is_held_to_lambdas_base64_limit()
    {
        // 2,687 bytes make 3,584 base64 characters, one over; 2,685 make 3,580.
        string Of(int bytes) => "{\"custom\":{\"k\":\"" + new string('x', bytes - 19) + "\"}}";
        Assert.Equal(2687, Of(2687).Length);
        var over = WarmupPolicyValidator.Validate(Valid() with { ClientContext = Of(2687) });
        Assert.True(over.Has("clientContext"));
        Assert.True(WarmupPolicyValidator.Validate(Valid() with { ClientContext = Of(2685) }).IsValid);
        Assert.Equal(3584, Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Of(2687))).Length);
    }

    [Fact]
    public void Overnight_active_window_covers_the_early_hours_of_the_next_day()
    {
        var window = new ActiveWindow { Days = [DayOfWeek.Friday], Start = new TimeOnly(22, 0), End = new TimeOnly(6, 0) };
        Assert.True(window.Contains(new DateTime(2026, 11, 27, 23, 0, 0)));   // Friday night
        Assert.True(window.Contains(new DateTime(2026, 11, 28, 5, 59, 0)));   // Saturday early
        Assert.False(window.Contains(new DateTime(2026, 11, 28, 23, 0, 0)));  // Saturday night
        Assert.False(window.Contains(new DateTime(2026, 11, 27, 12, 0, 0)));  // Friday noon
    }

    [Fact]
    public void Schedule_is_read_in_its_time_zone()
    {
        var schedule = CronSchedule.Parse("0 9 * * *", "Europe/Berlin");
        var next = schedule.NextAfter(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero), next);
    }

    private static JsonElement Parse(byte[] json) => JsonDocument.Parse(json).RootElement.Clone();
}
