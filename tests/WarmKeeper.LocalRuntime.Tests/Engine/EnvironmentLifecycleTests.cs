using System.Net;
using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Core.Observations;
using WarmKeeper.Lambda.Wire;
using WarmKeeper.LocalRuntime.Engine;
using WarmKeeper.LocalRuntime.Functions;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.LocalRuntime.Tests.Engine;

/// <summary>Execution environments: cold and warm starts, reaping, lifetime, timeouts and crashes.</summary>
public sealed class EnvironmentLifecycleTests
{
    private static LocalRuntimeOptions FakeTimeOptions() => TestRuntime.Options(o =>
    {
        o.IdleTimeout = TimeSpan.FromMinutes(10);
        o.MaxLifetime = TimeSpan.FromHours(2);
        o.Functions["hello"].InitDuration = TimeSpan.Zero;
    });

    [Fact]
    public async Task A_cold_start_creates_an_environment_and_the_next_call_reuses_it()
    {
        var observer = new RecordingObserver();
        await using var rt = await TestRuntime.StartAsync(deps: new LocalRuntimeServerDependencies { Observers = [observer] });
        using (await rt.InvokeAsync("hello", "{}"))
        {
        }

        using (await rt.InvokeAsync("hello", "{}"))
        {
        }

        var seen = await observer.WaitForAsync(e => e.FunctionName == "hello", 2);
        Assert.Equal(InvocationStart.Cold, seen[0].Start);
        Assert.True(seen[0].InitDuration > TimeSpan.Zero);
        Assert.Equal(InvocationStart.Warm, seen[1].Start);
        Assert.Equal(TimeSpan.Zero, seen[1].InitDuration);
        Assert.Equal(seen[0].EnvironmentId, seen[1].EnvironmentId);
        var environment = Assert.Single(rt.Engine.GetFunctionSnapshot("hello").Environments);
        Assert.Equal(2, environment.InvocationCount);
        Assert.Equal(EnvironmentState.Idle, environment.State);
    }

    [Fact]
    public async Task Concurrent_calls_each_get_their_own_environment()
    {
        var gate = new GatedHandlerFactory();
        await using var rt = await TestRuntime.StartAsync(o => o.Functions["gated"] = GatedHandlerFactory.Function(),
            new LocalRuntimeServerDependencies { ProcessFunctions = gate });
        var calls = Enumerable.Range(0, 3).Select(_ => rt.InvokeAsync("gated", "{}")).ToArray();
        await WaitUntilAsync(() => rt.Engine.GetInFlight("gated") == 3);
        var during = rt.Engine.GetFunctionSnapshot("gated");
        Assert.Equal(3, during.Environments.Count);
        Assert.All(during.Environments, e => Assert.NotEqual(EnvironmentState.Idle, e.State));
        gate.Open();
        var responses = await Task.WhenAll(calls);
        var ids = new HashSet<string>();
        foreach (var r in responses)
        {
            ids.Add((await HttpAssert.JsonAsync(r)).GetProperty("environmentId").GetString()!);
            r.Dispose();
        }

        Assert.Equal(3, ids.Count);
        Assert.Equal(3, rt.Engine.GetMaxObservedInFlight("gated"));
        Assert.Equal(0, rt.Engine.GetInFlight("gated"));
        Assert.All(rt.Engine.GetFunctionSnapshot("gated").Environments, e => Assert.Equal(EnvironmentState.Idle, e.State));
    }

    [Fact]
    public async Task Idle_environments_are_reaped_after_the_idle_timeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-27T07:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var engine = new LocalLambdaEngine(FakeTimeOptions(), new FunctionHandlerFactory(null, time), time);
        var first = await engine.InvokeAsync(new LocalInvokeRequest("hello", null, null, "{}"u8.ToArray()), CancellationToken.None);
        Assert.True(first.ColdStart);

        time.Advance(TimeSpan.FromMinutes(9));
        var warm = await engine.InvokeAsync(new LocalInvokeRequest("hello", null, null, "{}"u8.ToArray()), CancellationToken.None);
        Assert.False(warm.ColdStart);
        Assert.Equal(first.EnvironmentId, warm.EnvironmentId);

        // Idle time counts from the last use: 9 more minutes are not yet 10 minutes idle.
        time.Advance(TimeSpan.FromMinutes(9));
        Assert.Single(engine.GetFunctionSnapshot("hello").Environments);

        // The sweep timer (a TimeProvider timer) reaps it without any invocation arriving.
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(engine.GetFunctionSnapshot("hello").Environments);

        var cold = await engine.InvokeAsync(new LocalInvokeRequest("hello", null, null, "{}"u8.ToArray()), CancellationToken.None);
        Assert.True(cold.ColdStart);
        Assert.NotEqual(first.EnvironmentId, cold.EnvironmentId);
    }

    [Fact]
    public async Task Environments_retire_at_their_max_lifetime_even_when_busy_enough_to_never_idle_out()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-27T07:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var options = FakeTimeOptions();
        options.MaxLifetime = TimeSpan.FromMinutes(30);
        await using var engine = new LocalLambdaEngine(options, new FunctionHandlerFactory(null, time), time);
        var request = new LocalInvokeRequest("hello", null, null, "{}"u8.ToArray());
        var first = await engine.InvokeAsync(request, CancellationToken.None);
        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromMinutes(5));
            var again = await engine.InvokeAsync(request, CancellationToken.None);
            Assert.Equal(first.EnvironmentId, again.EnvironmentId);
        }

        time.Advance(TimeSpan.FromMinutes(6));
        var replaced = await engine.InvokeAsync(request, CancellationToken.None);
        Assert.True(replaced.ColdStart);
        Assert.NotEqual(first.EnvironmentId, replaced.EnvironmentId);
    }

    [Fact]
    public async Task A_timed_out_invocation_discards_its_environment_and_answers_like_lambda()
    {
        await using var rt = await TestRuntime.StartAsync(o => o.Functions["stuck"] = new LocalFunctionOptions
        {
            Handler = LocalHandlerKind.Timeout,
            Timeout = TimeSpan.FromMilliseconds(200),
            InitDuration = TimeSpan.Zero,
        });
        using var response = await rt.InvokeAsync("stuck", "{}", tail: true);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", HttpAssert.Header(response, "X-Amz-Function-Error"));
        var requestId = HttpAssert.Header(response, "x-amzn-RequestId");
        var body = await HttpAssert.JsonAsync(response);
        Assert.Equal("Sandbox.Timedout", body.GetProperty("errorType").GetString());
        Assert.Equal($"RequestId: {requestId} Error: Task timed out after 0.20 seconds", body.GetProperty("errorMessage").GetString());
        var log = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(HttpAssert.Header(response, "X-Amz-Log-Result")));
        Assert.Contains("Task timed out after 0.20 seconds", log, StringComparison.Ordinal);
        Assert.Contains("Status: timeout", log, StringComparison.Ordinal);
        Assert.Empty(rt.Engine.GetFunctionSnapshot("stuck").Environments);
        Assert.Equal(0, rt.Engine.GetInFlight("stuck"));
    }

    [Fact]
    public async Task A_crashed_environment_is_discarded_and_the_next_call_starts_cold()
    {
        var handlers = new CrashingHandlerFactory();
        await using var rt = await TestRuntime.StartAsync(
            o => o.Functions["proc"] = new LocalFunctionOptions { Handler = LocalHandlerKind.Process, Command = "/bin/fake" },
            new LocalRuntimeServerDependencies { ProcessFunctions = handlers });

        using (var ok = await rt.InvokeAsync("proc", "{\"x\":1}", tail: true))
        {
            Assert.Equal("{\"x\":1}", await ok.Content.ReadAsStringAsync());
            var log = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(HttpAssert.Header(ok, "X-Amz-Log-Result")));
            Assert.Contains("process says hi", log, StringComparison.Ordinal);
        }

        var crashedId = Assert.Single(handlers.Created);
        using (var crash = await rt.InvokeAsync("proc", "{\"crash\":true}"))
        {
            Assert.Equal(HttpStatusCode.OK, crash.StatusCode);
            Assert.Equal("Unhandled", HttpAssert.Header(crash, "X-Amz-Function-Error"));
            var body = await HttpAssert.JsonAsync(crash);
            Assert.Equal("Runtime.ExitError", body.GetProperty("errorType").GetString());
            Assert.EndsWith("Runtime exited with error: exit status 1", body.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        }

        Assert.Contains(crashedId, handlers.Disposed);
        Assert.Empty(rt.Engine.GetFunctionSnapshot("proc").Environments);
        using (await rt.InvokeAsync("proc", "{}"))
        {
        }

        Assert.Equal(2, handlers.Created.Count);
    }

    [Fact]
    public async Task A_process_function_without_a_process_host_fails_init_clearly()
    {
        await using var rt = await TestRuntime.StartAsync(o => o.Functions["proc"] = new LocalFunctionOptions { Handler = LocalHandlerKind.Process, Command = "/bin/fake" });
        using var response = await rt.InvokeAsync("proc", "{}");
        Assert.Equal("Unhandled", HttpAssert.Header(response, "X-Amz-Function-Error"));
        var body = await HttpAssert.JsonAsync(response);
        Assert.Equal("Runtime.InitError", body.GetProperty("errorType").GetString());
        Assert.Contains("process-function host", body.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Empty(rt.Engine.GetFunctionSnapshot("proc").Environments);
    }

    [Fact]
    public async Task Provisioned_environments_are_not_reaped_by_idle_time_and_are_replaced_at_end_of_life()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-27T07:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var options = FakeTimeOptions();
        options.ProvisioningDelay = TimeSpan.FromSeconds(5);
        await using var engine = new LocalLambdaEngine(options, new FunctionHandlerFactory(null, time), time);
        var put = engine.PutProvisionedConcurrencyConfig("hello", "live", 1);
        Assert.Equal(ProvisionedConcurrencyStatus.InProgress, put.Status);
        time.Advance(TimeSpan.FromSeconds(5));
        await WaitUntilAsync(() => engine.GetProvisionedConcurrencyConfig("hello", "live").Status == ProvisionedConcurrencyStatus.Ready);
        var original = Assert.Single(engine.GetFunctionSnapshot("hello").Environments);
        Assert.True(original.Provisioned);

        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(original.Id, Assert.Single(engine.GetFunctionSnapshot("hello").Environments).Id);

        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));
        await WaitUntilAsync(() => engine.GetFunctionSnapshot("hello").Environments is [{ State: EnvironmentState.Idle } e] && e.Id != original.Id);
        var replacement = Assert.Single(engine.GetFunctionSnapshot("hello").Environments);
        Assert.True(replacement.Provisioned);
        Assert.Equal("live", replacement.ProvisionedQualifier);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException("Condition not met in time.");
            }

            await Task.Delay(10);
        }
    }
}
