using System.Text;
using System.Text.Json;
using WarmKeeper.Core.Warmup;
using Xunit;

namespace WarmKeeper.Core.Tests.Warmup;

public sealed class WarmupPingsTests
{
    [Theory]
    [InlineData(WarmupPayloadFormat.WarmKeeper)]
    [InlineData(WarmupPayloadFormat.ServerlessPluginWarmup)]
    [InlineData(WarmupPayloadFormat.LambdaWarmer)]
    public void Recognizes_the_pings_the_warmer_sends(WarmupPayloadFormat format)
    {
        var policy = new WarmupPolicy { Id = "p", Target = "local", Function = "f", Schedule = "* * * * *", PayloadFormat = format };
        Assert.True(WarmupPings.TryRead(WarmupPings.Build(policy, "c", 0, 1), out _));
    }

    [Theory]
    [InlineData("{\"orderId\":42}")]
    [InlineData("")]
    [InlineData("{\"warmer\":false}")]
    public void Ordinary_events_are_not_pings(string payload) =>
        Assert.False(WarmupPings.TryRead(Encoding.UTF8.GetBytes(payload), out _));

    [Theory]
    [InlineData(WarmupPayloadFormat.WarmKeeper, "warmkeeper")]
    [InlineData(WarmupPayloadFormat.ServerlessPluginWarmup, "serverless-plugin-warmup")]
    [InlineData(WarmupPayloadFormat.LambdaWarmer, "lambda-warmer")]
    public void A_built_ping_reads_back_in_its_format(WarmupPayloadFormat format, string name)
    {
        var policy = new WarmupPolicy { Id = "p", Target = "local", Function = "f", Schedule = "* * * * *", PayloadFormat = format, HoldMs = 200 };
        Assert.True(WarmupPings.TryRead(WarmupPings.Build(policy, "c", 2, 5), out var ping));
        Assert.Equal(format, ping.Format);
        Assert.Equal(name, ping.FormatName);
        Assert.Equal(format == WarmupPayloadFormat.ServerlessPluginWarmup ? 0 : 2, ping.Index);
        Assert.Equal(format == WarmupPayloadFormat.WarmKeeper ? TimeSpan.FromMilliseconds(200) : null, ping.Hold);
    }

    [Theory]
    [InlineData("{\"orderId\":42}")]
    [InlineData("")]
    [InlineData("{\"warmer\":false}")]
    [InlineData("[\"warmer\"]")]
    [InlineData("{\"warmkeeper\":{\"warmup\":false}}")]
    public void Ordinary_events_do_not_read_as_pings(string payload) =>
        Assert.False(WarmupPings.TryRead(Encoding.UTF8.GetBytes(payload), out _));

    private static WarmupPolicy Policy(WarmupPayloadFormat format) =>
        new() { Id = "p", Target = "local", Function = "f", Schedule = "* * * * *", PayloadFormat = format };

    [Fact]
    public void Lambda_warmer_pings_are_the_libraries_own_fan_out_children()
    {
        var ping = JsonDocument.Parse(WarmupPings.Build(Policy(WarmupPayloadFormat.LambdaWarmer), "c1", 0, 3)).RootElement;

        Assert.True(ping.GetProperty("warmer").GetBoolean());
        // Both libraries fan out from any event whose "concurrency" is above 1; their children carry none.
        Assert.False(ping.TryGetProperty("concurrency", out _));
        // Invocation 1 is the fan-out's origin (WarmKeeper): pings are 2..n+1 of n+1, each held by the library's delay.
        Assert.Equal(2, ping.GetProperty("__WARMER_INVOCATION__").GetInt32());
        Assert.Equal(4, ping.GetProperty("__WARMER_CONCURRENCY__").GetInt32());
        Assert.Equal("c1", ping.GetProperty("__WARMER_CORRELATIONID__").GetString());
        Assert.Equal("c1", ping.GetProperty("__WARMER_CORRELATION_ID__").GetString());
    }

    [Fact]
    public void Lambda_warmer_schedules_own_events_read_as_pings_at_index_zero()
    {
        Assert.True(WarmupPings.TryRead("""{"warmer":true,"concurrency":5}"""u8, out var ping));
        Assert.Equal(0, ping.Index);
        Assert.True(WarmupPings.TryRead("""{"warmer":true,"__WARMER_INVOCATION__":1}"""u8, out ping));
        Assert.Equal(0, ping.Index);
    }

    [Fact]
    public void Serverless_plugin_warmup_pings_carry_the_plugins_client_context()
    {
        var context = WarmupPings.BuildClientContext(Policy(WarmupPayloadFormat.ServerlessPluginWarmup));

        // The plugin's warmer: Buffer.from(`{"custom":${payload}}`).toString('base64') over {"source":"serverless-plugin-warmup"}.
        Assert.Equal("""{"custom":{"source":"serverless-plugin-warmup"}}""", Encoding.UTF8.GetString(Convert.FromBase64String(context!)));
    }

    [Theory]
    [InlineData(WarmupPayloadFormat.WarmKeeper)]
    [InlineData(WarmupPayloadFormat.LambdaWarmer)]
    [InlineData(WarmupPayloadFormat.Custom)]
    public void Other_formats_send_no_client_context_unless_the_policy_sets_one(WarmupPayloadFormat format)
    {
        var policy = Policy(format) with { CustomPayload = format == WarmupPayloadFormat.Custom ? "{}" : null };
        Assert.Null(WarmupPings.BuildClientContext(policy));

        var own = WarmupPings.BuildClientContext(policy with { ClientContext = """{"custom":{"tenant":"a"}}""" });
        Assert.Equal("""{"custom":{"tenant":"a"}}""", Encoding.UTF8.GetString(Convert.FromBase64String(own!)));
    }

    [Fact]
    public void A_policys_client_context_replaces_the_plugins()
    {
        var own = WarmupPings.BuildClientContext(Policy(WarmupPayloadFormat.ServerlessPluginWarmup) with { ClientContext = """{"custom":{"x":1}}""" });
        Assert.Equal("""{"custom":{"x":1}}""", Encoding.UTF8.GetString(Convert.FromBase64String(own!)));
    }
}
