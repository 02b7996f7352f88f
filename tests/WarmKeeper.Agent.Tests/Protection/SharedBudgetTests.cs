using System.Net;
using System.Text.Json;
using WarmKeeper.Testing;

namespace WarmKeeper.Agent.Tests.Protection;

/// <summary>
/// Two proxies, each a whole agent with its own listener, database and limiter state, share one
/// budget through a real redis-server. They run in this process (two containers share nothing but
/// the thread pool), which keeps the test fast; the budget itself lives only in Redis.
/// </summary>
[Collection(ProxyLoadCollection.Name)]
public sealed class SharedBudgetTests
{
    private const string Limit = """{"id":"shared-db","functions":["hello"],"permitsPerSecond":40}""";

    [SkippableFact]
    public async Task Two_proxies_hold_one_limit_within_ten_percent_and_fall_back_to_their_share_without_redis()
    {
        await using var redis = await RedisServer.StartAsync();
        string[] args = [$"--WarmKeeper:Proxy:Redis:Configuration={redis.Configuration}", "--WarmKeeper:Proxy:Redis:Instances=2"];
        await using var a = await ProxiedAgent.StartAsync(args);
        await using var b = await ProxiedAgent.StartAsync(args);
        await a.CreateLimitAsync(Limit);
        await b.CreateLimitAsync(Limit);

        // 100/s at each proxy: five times the shared limit.
        var duration = TimeSpan.FromSeconds(5);
        var shared = await Task.WhenAll(
            OpenLoop.RunAsync(ct => a.InvokeAsync("hello", "{}", ct), 100, duration),
            OpenLoop.RunAsync(ct => b.InvokeAsync("hello", "{}", ct), 100, duration));
        var admitted = shared.Sum(s => s.Count(x => x.Status == HttpStatusCode.OK));
        var rate = (admitted - 40) / duration.TotalSeconds; // the default burst, one second of permits, went first
        Assert.True(rate is >= 36 and <= 44, $"together admitted {rate:0.0}/s against a shared limit of 40/s");
        Assert.True(shared.All(s => s.Any(x => x.Status == HttpStatusCode.OK)), "both proxies admitted some calls");
        Assert.Equal("shared", (await a.StatusAsync("shared-db")).GetProperty("budget").GetString());

        await redis.StopAsync();
        var alone = await Task.WhenAll(
            OpenLoop.RunAsync(ct => a.InvokeAsync("hello", "{}", ct), 100, duration),
            OpenLoop.RunAsync(ct => b.InvokeAsync("hello", "{}", ct), 100, duration));

        // Default fallback: each proxy enforces half the limit (and half the burst) on its own; never unlimited.
        var each = alone.Select(s => s.Count(x => x.Status == HttpStatusCode.OK)).ToArray();
        foreach (var count in each)
        {
            var eachRate = (count - 20) / duration.TotalSeconds;
            Assert.True(eachRate is >= 18 and <= 22, $"one proxy admitted {eachRate:0.0}/s without Redis; its share is 20/s");
        }

        Assert.True(alone.All(s => s.Count(x => x.Status == HttpStatusCode.TooManyRequests) > 300), "calls beyond the share are refused");
        var status = await a.StatusAsync("shared-db");
        Assert.Equal("fallback", status.GetProperty("budget").GetString());
    }
}
