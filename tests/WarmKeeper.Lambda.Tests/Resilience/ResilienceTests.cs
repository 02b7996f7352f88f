using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using WarmKeeper.Lambda.Wire;
using WarmKeeper.Testing;

namespace WarmKeeper.Lambda.Tests.Resilience;

/// <summary>Retry, Retry-After, timeouts and the circuit breaker, against a real Kestrel endpoint that fails on cue.</summary>
public sealed class ResilienceTests
{
    private const int RetryingEventId = 2001;
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_control_plane_call_survives_throttles_and_503s()
    {
        await using var server = await LoopbackServer.StartAsync((context, n) => n switch
        {
            1 => LambdaAnswers.Error(context, 429, LambdaErrorTypes.TooManyRequests, "Rate exceeded", ThrottleReasons.CallerRateLimitExceeded),
            2 or 3 => LambdaAnswers.Error(context, 503, LambdaErrorTypes.Service, "Service unavailable"),
            _ => LambdaAnswers.Json(context, 200, LambdaAnswers.AccountSettings),
        });
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(server.BaseAddress));

        var settings = await lambda.GetAccountSettingsAsync(None);

        Assert.Equal(1000, settings.AccountLimit.ConcurrentExecutions);
        Assert.Equal(4, server.RequestCount);
        // Every retry is a freshly signed request, not a replay of the first one.
        Assert.Equal(4, server.Requests.Select(r => r.Headers["X-Amz-Date"] + r.Headers["Authorization"]).Count());
    }

    [Fact]
    public async Task Retries_give_up_after_the_configured_number_and_surface_the_last_error()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) =>
            LambdaAnswers.Error(context, 500, LambdaErrorTypes.Service, "Internal failure"));
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(server.BaseAddress, o => o.MaxRetries = 2));

        var error = await Assert.ThrowsAsync<LambdaServiceException>(() => lambda.ListFunctionsAsync(null, null, None));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal(LambdaErrorTypes.Service, error.ErrorType);
        Assert.Equal(3, server.RequestCount);
    }

    [Fact]
    public async Task Client_errors_are_not_retried()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) =>
            LambdaAnswers.Error(context, 400, LambdaErrorTypes.InvalidParameterValue, "bad value"));
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(server.BaseAddress));

        await Assert.ThrowsAsync<LambdaInvalidParameterException>(() => lambda.PutFunctionConcurrencyAsync("f", -1, None));

        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task Retry_after_is_honoured_exactly()
    {
        await using var server = await LoopbackServer.StartAsync((context, n) => n == 1
            ? LambdaAnswers.Error(context, 429, LambdaErrorTypes.TooManyRequests, "Rate exceeded", ThrottleReasons.CallerRateLimitExceeded, retryAfter: "7")
            : LambdaAnswers.Json(context, 200, LambdaAnswers.AccountSettings));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var timers = new TimerRecordingTimeProvider(time);
        var logs = new CapturingLoggerFactory();
        using var lambda = LambdaControlPlane.Create(
            TestTargets.Options(server.BaseAddress, o =>
            {
                o.MaxRetryDelay = TimeSpan.FromSeconds(30);
                o.RequestTimeout = TimeSpan.FromMinutes(1);
            }),
            timers,
            logs);

        var call = lambda.GetAccountSettingsAsync(None);
        var retry = await WaitForAsync(() => logs.WithEventId(RetryingEventId).FirstOrDefault());
        Assert.Equal(TimeSpan.FromSeconds(7), retry.Values["Delay"]);
        await WaitForAsync(() => timers.CreatedTimers.Contains(TimeSpan.FromSeconds(7)) ? "armed" : null);

        time.Advance(TimeSpan.FromSeconds(6.9));
        await Task.Delay(100);
        Assert.False(call.IsCompleted);
        Assert.Equal(1, server.RequestCount);

        time.Advance(TimeSpan.FromSeconds(0.1));
        await call.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, server.RequestCount);
    }

    [Fact]
    public async Task Retry_after_is_capped_by_the_maximum_retry_delay()
    {
        await using var server = await LoopbackServer.StartAsync((context, n) => n == 1
            ? LambdaAnswers.Error(context, 429, LambdaErrorTypes.TooManyRequests, "Rate exceeded", retryAfter: "3600")
            : LambdaAnswers.Json(context, 200, LambdaAnswers.AccountSettings));
        var logs = new CapturingLoggerFactory();
        using var lambda = LambdaControlPlane.Create(
            TestTargets.Options(server.BaseAddress, o => o.MaxRetryDelay = TimeSpan.FromMilliseconds(50)), loggerFactory: logs);

        await lambda.GetAccountSettingsAsync(None);

        Assert.Equal(TimeSpan.FromMilliseconds(50), Assert.Single(logs.WithEventId(RetryingEventId)).Values["Delay"]);
    }

    [Fact]
    public async Task The_circuit_opens_after_repeated_outages_and_then_fails_fast()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) =>
            LambdaAnswers.Error(context, 503, LambdaErrorTypes.Service, "Service unavailable"));
        var logs = new CapturingLoggerFactory();
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(server.BaseAddress, o =>
        {
            o.MaxRetries = 0;
            o.CircuitBreakerMinimumThroughput = 3;
            o.CircuitBreakerFailureRatio = 0.5;
            o.CircuitBreakerBreakDuration = TimeSpan.FromMinutes(1);
        }), loggerFactory: logs);

        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<LambdaServiceException>(() => lambda.GetAccountSettingsAsync(None));
        }

        await Assert.ThrowsAsync<BrokenCircuitException>(() => lambda.GetAccountSettingsAsync(None));
        await Assert.ThrowsAsync<BrokenCircuitException>(() => lambda.ListFunctionsAsync(null, null, None));
        Assert.Equal(3, server.RequestCount);
        Assert.Single(logs.WithEventId(2002));
    }

    [Fact]
    public async Task Throttles_do_not_open_the_circuit()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) =>
            LambdaAnswers.Error(context, 429, LambdaErrorTypes.TooManyRequests, "Rate exceeded", retryAfter: "0"));
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(server.BaseAddress, o =>
        {
            o.MaxRetries = 0;
            o.CircuitBreakerMinimumThroughput = 2;
        }));

        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<LambdaThrottledException>(() => lambda.GetAccountSettingsAsync(None));
        }

        Assert.Equal(5, server.RequestCount);
    }

    [Fact]
    public async Task A_control_plane_call_that_hangs_times_out_per_attempt_and_is_retried()
    {
        await using var server = await LoopbackServer.StartAsync(async (context, n) =>
        {
            if (n == 1)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                return;
            }

            await LambdaAnswers.Json(context, 200, LambdaAnswers.AccountSettings);
        });
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(server.BaseAddress, o => o.RequestTimeout = TimeSpan.FromMilliseconds(300)));

        await lambda.GetAccountSettingsAsync(None);

        Assert.Equal(2, server.RequestCount);
    }

    [Fact]
    public async Task An_invoke_is_not_retried_after_a_5xx()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) =>
            LambdaAnswers.Error(context, 502, "EC2UnexpectedException", "Unexpected"));
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(server.BaseAddress, o => o.InvokeMaxRetries = 3));

        var error = await Assert.ThrowsAsync<LambdaServiceException>(() =>
            lambda.InvokeAsync(new InvokeRequest { FunctionName = "f", Payload = "{}"u8.ToArray() }, None));

        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Equal("EC2UnexpectedException", error.ErrorType);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task An_invoke_is_not_retried_after_a_timeout()
    {
        await using var server = await LoopbackServer.StartAsync(async (context, _) =>
            await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default));
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(server.BaseAddress, o =>
        {
            // Long enough that the request reaches the server even on a loaded machine.
            o.InvokeTimeout = TimeSpan.FromSeconds(2);
            o.InvokeMaxRetries = 3;
        }));

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            lambda.InvokeAsync(new InvokeRequest { FunctionName = "f", Payload = "{}"u8.ToArray() }, None));
        await Task.Delay(TimeSpan.FromMilliseconds(500)); // a retry, if any, would have arrived by now

        Assert.Contains("Invoke", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task A_throttled_invoke_is_retried_because_it_did_not_run()
    {
        await using var server = await LoopbackServer.StartAsync((context, n) => n == 1
            ? LambdaAnswers.Error(context, 429, LambdaErrorTypes.TooManyRequests, "Rate Exceeded.",
                ThrottleReasons.ReservedFunctionConcurrentInvocationLimitExceeded, retryAfter: "0")
            : LambdaAnswers.Json(context, 200, """{"ok":true}"""));
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(server.BaseAddress));

        var result = await lambda.InvokeAsync(new InvokeRequest { FunctionName = "f", Payload = "{}"u8.ToArray() }, None);

        Assert.Equal(2, result.Attempts);
        Assert.Equal("""{"ok":true}"""u8.ToArray(), result.Payload.ToArray());
        Assert.Equal(2, server.RequestCount);
    }

    [Fact]
    public async Task A_ping_that_must_not_repeat_is_not_retried_even_when_throttled()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) =>
            LambdaAnswers.Error(context, 429, LambdaErrorTypes.TooManyRequests, "Rate Exceeded.",
                ThrottleReasons.ReservedFunctionConcurrentInvocationLimitExceeded, retryAfter: "2"));
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(server.BaseAddress));

        var error = await Assert.ThrowsAsync<LambdaThrottledException>(() =>
            lambda.InvokeAsync(new InvokeRequest { FunctionName = "f", Payload = "{}"u8.ToArray(), RetryIfNotRun = false }, None));

        Assert.Equal(ThrottleReasons.ReservedFunctionConcurrentInvocationLimitExceeded, error.Reason);
        Assert.Equal(TimeSpan.FromSeconds(2), error.RetryAfter);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task An_invoke_to_a_refused_connection_is_retried_because_nothing_was_sent()
    {
        var closedPort = FreeLoopbackPort();
        var logs = new CapturingLoggerFactory();
        using var lambda = LambdaControlPlane.Create(
            TestTargets.Options(new Uri($"http://127.0.0.1:{closedPort}/"), o => o.InvokeMaxRetries = 2), loggerFactory: logs);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            lambda.InvokeAsync(new InvokeRequest { FunctionName = "f", Payload = "{}"u8.ToArray() }, None));

        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError);
        Assert.Equal(2, logs.WithEventId(RetryingEventId).Count());
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_retried_or_turned_into_a_timeout()
    {
        await using var server = await LoopbackServer.StartAsync(async (context, _) =>
            await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default));
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(server.BaseAddress));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lambda.GetAccountSettingsAsync(cts.Token));

        Assert.Equal(1, server.RequestCount);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task<T> WaitForAsync<T>(Func<T?> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } value)
            {
                return value;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("The awaited condition did not occur within 10 s.");
    }
}
