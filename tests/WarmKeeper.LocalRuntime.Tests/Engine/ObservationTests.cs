using WarmKeeper.Core.Observations;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.LocalRuntime.Tests.Engine;

public sealed class ObservationTests
{
    private sealed class ThrowingObserver : IInvocationObserver
    {
        public int Calls;

        public void OnInvocation(InvocationObserved invocation)
        {
            Interlocked.Increment(ref Calls);
            throw new InvalidOperationException("observer bug");
        }
    }

    [Fact]
    public async Task Every_invocation_is_published_with_its_facts_and_a_failing_observer_breaks_nothing()
    {
        var recorder = new RecordingObserver();
        var throwing = new ThrowingObserver();
        await using var rt = await TestRuntime.StartAsync(
            o => o.Functions["fail"] = new LocalFunctionOptions { Handler = LocalHandlerKind.Fail, InitDuration = TimeSpan.Zero },
            new LocalRuntimeServerDependencies { Observers = [throwing, recorder] });

        using (var ok = await rt.InvokeAsync("hello", "{}", qualifier: "live"))
        {
            Assert.Equal(200, (int)ok.StatusCode);
        }

        using (await rt.InvokeAsync("fail", "{}"))
        {
        }

        using (await rt.PutJsonAsync("/2017-10-31/functions/slow/concurrency", "{\"ReservedConcurrentExecutions\":0}"))
        {
        }

        using (var throttled = await rt.InvokeAsync("slow", "{}"))
        {
            Assert.Equal(429, (int)throttled.StatusCode);
        }

        var hello = (await recorder.WaitForAsync(e => e.FunctionName == "hello", 1))[0];
        Assert.Equal("local", hello.Source);
        Assert.Equal("live", hello.Qualifier);
        Assert.Equal("2", hello.ExecutedVersion);
        Assert.Equal("RequestResponse", hello.InvocationType);
        Assert.Equal(InvocationStart.Cold, hello.Start);
        Assert.False(hello.Provisioned);
        Assert.False(hello.Throttled);
        Assert.NotNull(hello.EnvironmentId);
        Assert.Equal(1, hello.InFlightAtStart);
        Assert.True(hello.StartedAt > DateTimeOffset.UtcNow.AddMinutes(-1));

        var fail = (await recorder.WaitForAsync(e => e.FunctionName == "fail", 1))[0];
        Assert.Equal("Unhandled", fail.FunctionError);

        var slow = (await recorder.WaitForAsync(e => e.FunctionName == "slow", 1))[0];
        Assert.True(slow.Throttled);
        Assert.Equal("ReservedFunctionConcurrentInvocationLimitExceeded", slow.ThrottleReason);
        Assert.Null(slow.EnvironmentId);
        Assert.Equal(InvocationStart.None, slow.Start);

        Assert.True(throwing.Calls >= 3);
    }

    [Fact]
    public async Task Subscribing_later_receives_later_invocations_until_disposed()
    {
        await using var rt = await TestRuntime.StartAsync();
        var recorder = new RecordingObserver();
        var subscription = rt.Engine.Subscribe(recorder);
        using (await rt.InvokeAsync("hello", "{}"))
        {
        }

        await recorder.WaitForAsync(_ => true, 1);
        subscription.Dispose();
        using (await rt.InvokeAsync("hello", "{}"))
        {
        }

        await Task.Delay(200);
        Assert.Single(recorder.Seen);
    }

    [Fact]
    public async Task The_snapshot_lists_functions_environments_and_concurrency()
    {
        await using var rt = await TestRuntime.StartAsync(o => o.ProvisioningDelay = TimeSpan.Zero);
        using (await rt.PutJsonAsync("/2017-10-31/functions/hello/concurrency", "{\"ReservedConcurrentExecutions\":5}"))
        {
        }

        using (await rt.PutJsonAsync("/2019-09-30/functions/hello/provisioned-concurrency?Qualifier=live", "{\"ProvisionedConcurrentExecutions\":1}"))
        {
        }

        using (await rt.InvokeAsync("hello", "{}"))
        {
        }

        await EnvironmentLifecycleTests.WaitUntilAsync(() => rt.Engine.GetProvisionedConcurrencyConfig("hello", "live").Status == "READY");
        var snapshot = rt.Engine.GetSnapshot();
        Assert.Equal(995, snapshot.UnreservedConcurrency);
        var hello = Assert.Single(snapshot.Functions, f => f.Name == "hello");
        Assert.Equal(["$LATEST", "1", "2"], hello.Versions);
        Assert.Equal("2", hello.Aliases["live"]);
        Assert.Equal("Echo", hello.Handler);
        Assert.Equal(128, hello.MemoryMb);
        Assert.Equal(5, hello.ReservedConcurrency);
        var pc = Assert.Single(hello.ProvisionedConcurrency);
        Assert.Equal(("live", "2", 1, 1, "READY"), (pc.Qualifier, pc.Version, pc.Requested, pc.Allocated, pc.Status));
        Assert.Equal(2, hello.Environments.Count);
        Assert.Single(hello.Environments, e => e.Provisioned && e.Version == "2");
        var onDemand = Assert.Single(hello.Environments, e => !e.Provisioned);
        Assert.Equal(("$LATEST", 1L), (onDemand.Version, onDemand.InvocationCount));
        Assert.Equal(0, hello.InFlight);
        Assert.Equal(1, hello.MaxObservedInFlight);
    }
}
