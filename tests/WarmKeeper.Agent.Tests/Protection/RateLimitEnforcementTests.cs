using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Agent.Protection;
using WarmKeeper.LocalRuntime.Engine;

namespace WarmKeeper.Agent.Tests.Protection;

/// <summary>Real load on real time: runs alone so that other load on the two cores does not starve it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProxyLoadCollection
{
    public const string Name = "proxy load";
}

/// <summary>
/// The proxy's limits over real HTTP. Whatever depends on when a call is decided runs on a fake clock
/// that drives the whole agent (its buckets, queue waits and the runtime behind it): the test moves
/// time, so a slow or paused machine changes nothing it asserts. Only the concurrency cap, which is
/// about overlap rather than instants, runs on real time.
/// </summary>
[Collection(ProxyLoadCollection.Name)]
public sealed class RateLimitEnforcementTests
{
    /// <summary>Built-in functions with no init time: on a fake clock a cold start would wait for the test to move time.</summary>
    private static readonly string[] InstantFunctions =
    [
        "--WarmKeeper:LocalRuntime:Functions:instant:Handler=echo",
        "--WarmKeeper:LocalRuntime:Functions:instant:InitDuration=00:00:00",
    ];

    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Five_times_the_allowed_load_for_ten_seconds_is_admitted_exactly_at_the_limit()
    {
        var (time, proxy) = await OnFakeClockAsync();
        await using var _ = proxy;
        await proxy.CreateLimitAsync("""{"id":"instant-rate","functions":["instant"],"permitsPerSecond":40}""");

        // 200 calls a second of the agent's time for ten seconds, one every 5 ms.
        var shots = new List<Shot>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 2000; i++)
        {
            shots.Add(await OpenLoop.ShootAsync(ct => proxy.InvokeAsync("instant", "{}", ct), clock, CancellationToken.None));
            time.Advance(TimeSpan.FromMilliseconds(5));
        }

        var admitted = shots.Count(s => s.Status == HttpStatusCode.OK);
        var refused = shots.Where(s => s.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(shots.Count, admitted + refused.Count);
        // The default burst (one second of permits) at the start, then 40 a second over the 9.995 s that
        // passed between the first call and the last: 40 + 399 (the 400th token is due 5 ms after the last call).
        Assert.Equal(40 + 399, admitted);
        Assert.All(refused, r =>
        {
            Assert.Equal("TooManyRequestsException", r.ErrorType);
            Assert.Equal("FunctionInvocationRateLimitExceeded", r.Reason);
        });

        var status = await proxy.StatusAsync("instant-rate");
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
    public async Task Queued_calls_are_served_in_order_at_the_rate_and_an_overfull_queue_refuses_at_once()
    {
        var (time, proxy) = await OnFakeClockAsync();
        await using var _ = proxy;
        await proxy.CreateLimitAsync("""
            {"id":"instant-queue","functions":["instant"],"permitsPerSecond":10,"burst":1,"queueLimit":20,"maxQueueWait":"00:00:03"}
            """);
        var registry = proxy.Agent.Services.GetRequiredService<RateLimitRegistry>();
        long Decided()
        {
            var status = registry.StatusOf("instant-queue")!;
            return status.Rejected + status.Admitted + status.Waiting;
        }

        // 25 calls at one instant of the agent's time, each sent once the proxy has decided on the one
        // before, so that arrival order is send order: one takes the burst's token, twenty queue
        // (100 ms apart, the rate), and the queue is full for the last four.
        var clock = Stopwatch.StartNew();
        var calls = new List<Task<Shot>>();
        for (var i = 0; i < 25; i++)
        {
            var index = i;
            calls.Add(OpenLoop.ShootAsync(ct => proxy.InvokeAsync("instant", $$"""{"i":{{index}}}""", ct), clock, CancellationToken.None));
            await WaitUntilAsync(() => Decided() >= i + 1, $"the proxy to decide on call {i}");
        }

        // The refusals came without the clock moving: a full queue refuses at once, it does not make a caller wait.
        var refused = await Task.WhenAll(calls.Skip(21));
        Assert.All(refused, s =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, s.Status);
            Assert.Equal("FunctionInvocationRateLimitExceeded", s.Reason);
        });
        Assert.Equal(HttpStatusCode.OK, (await calls[0].WaitAsync(AnswerTimeout)).Status);

        // Every 100 ms of the agent's time releases exactly the next queued call, in order of arrival.
        for (var next = 1; next <= 20; next++)
        {
            Assert.False(calls[next].IsCompleted, $"call {next} was answered before its turn");
            time.Advance(TimeSpan.FromMilliseconds(99));
            await Task.Delay(20);
            Assert.False(calls[next].IsCompleted, $"call {next} was answered 1 ms before its turn");
            time.Advance(TimeSpan.FromMilliseconds(1));
            var served = await calls[next].WaitAsync(AnswerTimeout);
            Assert.Equal(HttpStatusCode.OK, served.Status);
        }

        var status = await proxy.StatusAsync("instant-queue");
        Assert.Equal(21, status.GetProperty("admitted").GetInt64());
        Assert.Equal(20, status.GetProperty("queued").GetInt64());
        Assert.Equal(4, status.GetProperty("rejected").GetInt64());
        Assert.Equal(0, status.GetProperty("waiting").GetInt32());
    }

    [Fact]
    public async Task A_call_that_would_wait_beyond_the_allowed_wait_is_refused_at_once()
    {
        var (time, proxy) = await OnFakeClockAsync();
        await using var _ = proxy;
        await proxy.CreateLimitAsync("""
            {"id":"instant-wait","functions":["instant"],"permitsPerSecond":2,"burst":1,"queueLimit":20,"maxQueueWait":"00:00:01"}
            """);

        var registry = proxy.Agent.Services.GetRequiredService<RateLimitRegistry>();
        using (var first = await proxy.InvokeAsync("instant").WaitAsync(AnswerTimeout))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var second = proxy.InvokeAsync("instant");   // waits 500 ms
        await WaitUntilAsync(() => registry.StatusOf("instant-wait")!.Waiting == 1, "the second call to queue");
        var third = proxy.InvokeAsync("instant");    // waits 1 s: just within the allowed wait
        await WaitUntilAsync(() => registry.StatusOf("instant-wait")!.Waiting == 2, "the third call to queue");

        using var fourth = await proxy.InvokeAsync("instant").WaitAsync(AnswerTimeout);   // would wait 1.5 s
        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
        Assert.False(second.IsCompleted || third.IsCompleted, "queued calls answered before their tokens");

        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(HttpStatusCode.OK, (await second.WaitAsync(AnswerTimeout)).StatusCode);
        Assert.False(third.IsCompleted, "the third call was answered before its token");
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(HttpStatusCode.OK, (await third.WaitAsync(AnswerTimeout)).StatusCode);
    }

    [Fact]
    public async Task Retry_after_says_exactly_when_a_retry_is_admitted()
    {
        var (time, proxy) = await OnFakeClockAsync();
        await using var _ = proxy;
        await proxy.CreateLimitAsync("""{"id":"instant-slow","functions":["instant"],"permitsPerSecond":1.25,"burst":1}""");

        using (var first = await proxy.InvokeAsync("instant"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        // 0.8 s a token; the first call took the only one 300 ms ago.
        time.Advance(TimeSpan.FromMilliseconds(300));
        using var refused = await proxy.InvokeAsync("instant");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfterMs = double.Parse(refused.Headers.GetValues("Retry-After-Ms").Single(), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfterMs, 499.99, 500.01);
        Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());   // whole seconds, rounded up

        // Refused calls take no token: a retry 1 ms early is refused and told 1 ms, one on time is admitted.
        time.Advance(TimeSpan.FromMilliseconds(499));
        using (var early = await proxy.InvokeAsync("instant"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, early.StatusCode);
            Assert.InRange(double.Parse(early.Headers.GetValues("Retry-After-Ms").Single(), CultureInfo.InvariantCulture), 0.99, 1.01);
        }

        // (The bucket counts in floating-point seconds: "on time" is within 10 µs.)
        time.Advance(TimeSpan.FromMilliseconds(1) + TimeSpan.FromMicroseconds(10));
        using var onTime = await proxy.InvokeAsync("instant");
        Assert.Equal(HttpStatusCode.OK, onTime.StatusCode);
    }

    private static async Task<(FakeTimeProvider Time, ProxiedAgent Proxy)> OnFakeClockAsync()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-02T00:00:00Z", CultureInfo.InvariantCulture));
        return (time, await ProxiedAgent.StartAsync(time, InstantFunctions));
    }

    /// <summary>Waits on real time for something the agent does without the fake clock moving (a decision, not a deadline).</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < AnswerTimeout, $"timed out waiting for {what}");
            await Task.Delay(1);
        }
    }
}
