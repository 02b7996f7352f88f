using System.Text;
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
        Assert.True(WarmupPings.IsPing(WarmupPings.Build(policy, "c", 0, 1)));
    }

    [Theory]
    [InlineData("{\"orderId\":42}")]
    [InlineData("")]
    [InlineData("{\"warmer\":false}")]
    public void Ordinary_events_are_not_pings(string payload) =>
        Assert.False(WarmupPings.IsPing(Encoding.UTF8.GetBytes(payload)));

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
}
