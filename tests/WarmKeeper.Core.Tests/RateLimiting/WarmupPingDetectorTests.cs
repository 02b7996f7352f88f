using System.Text;
using WarmKeeper.Core.RateLimiting;
using WarmKeeper.Core.Warmup;
using Xunit;

namespace WarmKeeper.Core.Tests.RateLimiting;

public sealed class WarmupPingDetectorTests
{
    [Theory]
    [InlineData(WarmupPayloadFormat.WarmKeeper)]
    [InlineData(WarmupPayloadFormat.ServerlessPluginWarmup)]
    [InlineData(WarmupPayloadFormat.LambdaWarmer)]
    public void Recognizes_the_pings_the_warmer_sends(WarmupPayloadFormat format)
    {
        var policy = new WarmupPolicy { Id = "p", Target = "local", Function = "f", Schedule = "* * * * *", PayloadFormat = format };
        Assert.True(WarmupPingDetector.IsPing(WarmupPayloads.Build(policy, "c", 0, 1)));
    }

    [Theory]
    [InlineData("{\"orderId\":42}")]
    [InlineData("")]
    [InlineData("{\"warmer\":false}")]
    public void Ordinary_events_are_not_pings(string payload) =>
        Assert.False(WarmupPingDetector.IsPing(Encoding.UTF8.GetBytes(payload)));
}
