using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Agent.Protection;
using WarmKeeper.LocalRuntime.Engine;

namespace WarmKeeper.Agent.Tests.Protection;

/// <summary>Timing-sensitive: runs alone so that other load on the two cores does not skew it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProxyLoadCollection
{
    public const string Name = "proxy load";
}

[Collection(ProxyLoadCollection.Name)]
public sealed class RateLimitEnforcementTests
{
    [Fact]
    public async Task Five_times_the_allowed_load_for_ten_seconds_is_admitted_at_the_limit_within_five_percent()
    {
        await using var proxy = await ProxiedAgent.StartAsync();
        await proxy.CreateLimitAsync("""{"id":"hello-rate","functions":["hello"],"permitsPerSecond":40}""");

        var shots = await OpenLoop.RunAsync(ct => proxy.InvokeAsync("hello", "{}", ct), perSecond: 200, TimeSpan.FromSeconds(10));

        var admitted = shots.Count(s => s.Status == HttpStatusCode.OK);
        var refused = shots.Where(s => s.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(shots.Count, admitted + refused.Count);
        var span = shots.Max(s => s.SentAt) - shots.Min(s => s.SentAt);
        Assert.True(shots.Count >= 1900, $"only {shots.Count} calls were offered");
        // The default burst (one second of permits) went at the start; the rest came at the rate. The
        // burst also absorbs stalls of this shared machine's load generator shorter than a second.
        var rate = (admitted - 40) / span;
        Assert.True(rate >= 40 * 0.95 && rate <= 40 * 1.05, $"admitted {rate:0.00}/s ({admitted} of {shots.Count} over {span:0.00} s)");
        Assert.All(refused, r =>
        {
            Assert.Equal("TooManyRequestsException", r.ErrorType);
            Assert.Equal("FunctionInvocationRateLimitExceeded", r.Reason);
        });

        var status = await proxy.StatusAsync("hello-rate");
        Assert.Equal(admitted, status.GetProperty("admitted").GetInt64());
        Assert.Equal(refused.Count, status.GetProperty("rejected").GetInt64());
        Assert.Equal("local", status.GetProperty("budget").GetString());
    }

    [Fact]
    public async Task The_concurrency_cap_is_never_exceeded_at_the_target()
    {
        await using var proxy = await ProxiedAgent.StartAsync(
            "--WarmKeeper:LocalRuntime:Functions:capped:Handler=work",
            "--WarmKeeper:LocalRuntime:Functions:capped:WorkDuration=00:00:00.040",
            "--WarmKeeper:LocalRuntime:Functions:capped:InitDuration=00:00:00");
        await proxy.CreateLimitAsync("""{"id":"capped","functions":["capped"],"maxConcurrency":4}""");
        var engine = proxy.Agent.Services.GetRequiredService<LocalLambdaEngine>();
        engine.ResetMaxObservedInFlight("capped");

        // 20 callers in a closed loop: five times what the cap lets run.
        var clock = Stopwatch.StartNew();
        var stopAt = TimeSpan.FromSeconds(3);
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            var mine = new List<Shot>();
            while (clock.Elapsed < stopAt)
            {
                mine.Add(await OpenLoop.ShootAsync(ct => proxy.InvokeAsync("capped", "{}", ct), clock, CancellationToken.None));
            }

            return mine;
        }));
        var shots = results.SelectMany(r => r).ToList();

        Assert.Equal(4, engine.GetMaxObservedInFlight("capped"));
        Assert.Contains(shots, s => s.Status == HttpStatusCode.OK);
        var refused = shots.Where(s => s.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.Equal("ReservedFunctionConcurrentInvocationLimitExceeded", r.Reason));
        Assert.All(shots, s => Assert.True(s.Status is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, s.ToString()));
    }

    [Fact]
    public async Task Queued_calls_are_served_in_order_within_the_wait_and_an_overfull_queue_refuses()
    {
        // No init time: a cold start would reorder answers that the proxy released in order.
        await using var proxy = await ProxiedAgent.StartAsync(
            "--WarmKeeper:LocalRuntime:Functions:queued:Handler=echo",
            "--WarmKeeper:LocalRuntime:Functions:queued:InitDuration=00:00:00");
        await proxy.CreateLimitAsync("""
            {"id":"hello-queue","functions":["queued"],"permitsPerSecond":10,"burst":1,"queueLimit":20,"maxQueueWait":"00:00:03"}
            """);

        // Open the connections and warm the path first, so calls reach the proxy in the order they are sent.
        await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => proxy.InvokeAsync("hello")));
        using (var warm = await proxy.InvokeAsync("queued", "{}"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        await Task.Delay(300);
        // Each call is sent once the proxy has decided on the one before, so arrival order is send order.
        var registry = proxy.Agent.Services.GetRequiredService<RateLimitRegistry>();
        long Decided()
        {
            var status = registry.StatusOf("hello-queue")!;
            return status.Rejected + status.Admitted + status.Waiting;
        }

        var before = Decided();
        var clock = Stopwatch.StartNew();
        var calls = new List<Task<Shot>>();
        for (var i = 0; i < 25; i++)
        {
            var index = i;
            calls.Add(OpenLoop.ShootAsync(ct => proxy.InvokeAsync("queued", $$"""{"i":{{index}}}""", ct), clock, CancellationToken.None));
            var deadline = clock.Elapsed + TimeSpan.FromSeconds(2);
            while (Decided() < before + i + 1 && clock.Elapsed < deadline)
            {
                await Task.Delay(1);
            }
        }

        var shots = await Task.WhenAll(calls);
        var served = shots.Where(s => s.Status == HttpStatusCode.OK).ToList();
        // One at once, twenty from the queue, and one more for each queued call that left before the last arrived.
        Assert.InRange(served.Count, 21, 24);
        var refused = shots.Where(s => s.Status != HttpStatusCode.OK).ToList();
        Assert.All(refused, s => Assert.Equal(HttpStatusCode.TooManyRequests, s.Status));
        // Immediate against the 3-s wait a queued call may get (the margin is for a loaded 2-core machine).
        Assert.All(refused, s => Assert.True(s.AnsweredAt - s.SentAt < 1.0, "a refusal from a full queue is immediate"));

        // In order of arrival, 100 ms apart (the rate), none beyond the allowed wait.
        // (After a pause of the whole process — a GC on a loaded machine — the calls that came due meanwhile are all
        // released at once, their answers microseconds apart in any order: "before" means by more than 5 ms.)
        for (var i = 1; i < served.Count; i++)
        {
            Assert.True(served[i].AnsweredAt > served[i - 1].AnsweredAt - 0.005, $"call {i} was answered before call {i - 1}: {string.Join("\n", shots)}");
        }

        Assert.All(served, s => Assert.True(s.AnsweredAt - s.SentAt <= 3.0 + 0.5, $"waited {s.AnsweredAt - s.SentAt:0.000} s"));
        var lastWait = served[^1].AnsweredAt - served[0].AnsweredAt;
        Assert.InRange(lastWait, (served.Count - 1) * 0.1 - 0.1, (served.Count - 1) * 0.1 + 0.8);

        var status = await proxy.StatusAsync("hello-queue");
        Assert.Equal(served.Count - 1, status.GetProperty("queued").GetInt64());
        Assert.Equal(0, status.GetProperty("waiting").GetInt32());
    }

    [Fact]
    public async Task Retry_after_is_within_100_ms_of_when_a_retry_is_admitted()
    {
        await using var proxy = await ProxiedAgent.StartAsync();
        await proxy.CreateLimitAsync("""{"id":"hello-slow","functions":["hello"],"permitsPerSecond":1.25,"burst":1}""");

        using (var first = await proxy.InvokeAsync("hello"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var clock = Stopwatch.StartNew();
        using var refused = await proxy.InvokeAsync("hello");
        var refusedAt = clock.Elapsed;
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfterMs = double.Parse(refused.Headers.GetValues("Retry-After-Ms").Single(), CultureInfo.InvariantCulture);
        var retryAfterSeconds = int.Parse(refused.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfterMs, 500, 800); // 0.8 s per token, part of it already passed
        Assert.Equal((int)Math.Ceiling(retryAfterMs / 1000), retryAfterSeconds);

        // Refused calls take no token, so probing every 10 ms finds the moment a retry is admitted.
        TimeSpan admittedAt;
        while (true)
        {
            var sent = clock.Elapsed;
            using var probe = await proxy.InvokeAsync("hello");
            if (probe.StatusCode == HttpStatusCode.OK)
            {
                admittedAt = sent;
                break;
            }

            Assert.Equal(HttpStatusCode.TooManyRequests, probe.StatusCode);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), "never admitted");
            await Task.Delay(10);
        }

        var predicted = refusedAt.TotalMilliseconds + retryAfterMs;
        Assert.InRange(admittedAt.TotalMilliseconds, predicted - 100, predicted + 100);
    }
}
