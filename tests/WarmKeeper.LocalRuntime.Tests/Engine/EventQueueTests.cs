using Microsoft.Extensions.Time.Testing;
using WarmKeeper.LocalRuntime.Engine;
using WarmKeeper.LocalRuntime.Functions;

namespace WarmKeeper.LocalRuntime.Tests.Engine;

/// <summary>Asynchronous invocations: accepted, queued, and retried when throttled instead of lost.</summary>
public sealed class EventQueueTests
{
    [Fact]
    public async Task A_throttled_event_is_retried_later_and_runs_once_capacity_returns()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-27T07:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var options = TestRuntime.Options(o => o.Functions["hello"].InitDuration = TimeSpan.Zero);
        var observer = new RecordingObserver();
        await using var engine = new LocalLambdaEngine(options, new FunctionHandlerFactory(null, time), time, observers: [observer]);
        engine.PutFunctionConcurrency("hello", 0);

        var accepted = await engine.InvokeAsync(new LocalInvokeRequest("hello", null, "Event", "{\"n\":1}"u8.ToArray()), CancellationToken.None);
        Assert.Equal(202, accepted.StatusCode);
        await observer.WaitForAsync(e => e.RequestId == accepted.RequestId && e.Throttled, 1);
        Assert.Equal(1, engine.PendingEventCount);

        // Still throttled after a retry: the event keeps waiting rather than being dropped.
        await AdvanceUntilAsync(time, () => observer.Seen.Count(e => e.RequestId == accepted.RequestId && e.Throttled) >= 2);
        Assert.Equal(1, engine.PendingEventCount);

        engine.DeleteFunctionConcurrency("hello");
        await AdvanceUntilAsync(time, () => observer.Seen.Any(e => e.RequestId == accepted.RequestId && !e.Throttled));
        var ran = Assert.Single(observer.Seen, e => e.RequestId == accepted.RequestId && !e.Throttled);
        Assert.Equal("Event", ran.InvocationType);
        Assert.Null(ran.FunctionError);
        await EnvironmentLifecycleTests.WaitUntilAsync(() => engine.PendingEventCount == 0);
    }

    [Fact]
    public async Task A_full_queue_answers_429_instead_of_dropping_silently()
    {
        var gate = new GatedHandlerFactory();
        var options = TestRuntime.Options(o =>
        {
            o.Functions["gated"] = GatedHandlerFactory.Function();
            o.AsyncQueueCapacity = 1;
            o.AsyncConcurrency = 1;
        });
        await using var engine = new LocalLambdaEngine(options, new FunctionHandlerFactory(gate));
        var request = new LocalInvokeRequest("gated", null, "Event", "{}"u8.ToArray());
        // The first is taken by the only worker (held by the gate), the second fills the queue.
        Assert.Equal(202, (await engine.InvokeAsync(request, CancellationToken.None)).StatusCode);
        await EnvironmentLifecycleTests.WaitUntilAsync(() => engine.GetInFlight("gated") == 1);
        Assert.Equal(202, (await engine.InvokeAsync(request, CancellationToken.None)).StatusCode);
        var refused = await engine.InvokeAsync(request, CancellationToken.None);
        Assert.Equal(429, refused.StatusCode);
        Assert.Equal("TooManyRequestsException", refused.Error!.ErrorType);
        gate.Open();
        await EnvironmentLifecycleTests.WaitUntilAsync(() => engine.PendingEventCount == 0);
    }

    private static async Task AdvanceUntilAsync(FakeTimeProvider time, Func<bool> condition)
    {
        for (var i = 0; i < 400 && !condition(); i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }

        Assert.True(condition(), "Condition not met while advancing fake time.");
    }
}
