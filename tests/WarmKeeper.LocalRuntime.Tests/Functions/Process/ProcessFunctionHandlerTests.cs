using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using WarmKeeper.LocalRuntime.Functions;
using WarmKeeper.LocalRuntime.Functions.Process;
using static WarmKeeper.LocalRuntime.Tests.ProcessTestFunction;

namespace WarmKeeper.LocalRuntime.Tests.Functions.Process;

/// <summary>Real processes speaking the real Runtime API over real HTTP.</summary>
public sealed class ProcessFunctionHandlerTests
{
    private static readonly TimeSpan InitLimit = TimeSpan.FromSeconds(30);

    private static async Task<ProcessFunctionHandler> StartAsync(LocalFunctionOptions options, string? environmentId = null)
    {
        var handler = Factory().Create("test-function", options, environmentId ?? Guid.NewGuid().ToString(), provisioned: false);
        using var init = new CancellationTokenSource(InitLimit);
        await handler.InitAsync(init.Token);
        return handler;
    }

    private static async Task<HandlerResult> InvokeAsync(ProcessFunctionHandler handler, string json, string? requestId = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await handler.InvokeAsync(Invocation(json, requestId), timeout.Token);
    }

    [Fact]
    public async Task Init_then_invoke_echoes_the_event_with_the_environment_id()
    {
        await using var handler = await StartAsync(Options());

        var result = await InvokeAsync(handler, """{"hello":"world","n":[1,2,3]}""");

        Assert.Null(result.FunctionError);
        var answer = Json(result);
        Assert.Equal("world", answer.GetProperty("event").GetProperty("hello").GetString());
        Assert.Equal(3, answer.GetProperty("event").GetProperty("n").GetArrayLength());
        Assert.Matches("^[0-9a-f]{32}$", answer.GetProperty("environmentId").GetString());
        Assert.NotNull(handler.ProcessId);
        Assert.NotNull(handler.InitDuration);
    }

    [Fact]
    public async Task Invocations_on_one_environment_share_its_id_and_only_the_first_is_cold()
    {
        await using var handler = await StartAsync(Options());

        var first = Json(await InvokeAsync(handler, "{}"));
        var second = Json(await InvokeAsync(handler, "{}"));
        var third = Json(await InvokeAsync(handler, """{"x":1}"""));

        Assert.True(first.GetProperty("coldStart").GetBoolean());
        Assert.False(second.GetProperty("coldStart").GetBoolean());
        Assert.False(third.GetProperty("coldStart").GetBoolean());
        Assert.Equal(first.GetProperty("environmentId").GetString(), second.GetProperty("environmentId").GetString());
        Assert.Equal(first.GetProperty("environmentId").GetString(), third.GetProperty("environmentId").GetString());
    }

    [Fact]
    public async Task Two_environments_are_two_processes_with_their_own_endpoints()
    {
        var starting = new[] { StartAsync(Options()), StartAsync(Options()) };
        var handlers = await Task.WhenAll(starting);
        try
        {
            var a = Json(await InvokeAsync(handlers[0], "{}"));
            var b = Json(await InvokeAsync(handlers[1], "{}"));

            Assert.NotEqual(a.GetProperty("environmentId").GetString(), b.GetProperty("environmentId").GetString());
            Assert.NotEqual(handlers[0].ProcessId, handlers[1].ProcessId);
            Assert.NotEqual(handlers[0].RuntimeApiAddress, handlers[1].RuntimeApiAddress);
        }
        finally
        {
            foreach (var handler in handlers)
            {
                await handler.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Init_lasts_until_the_first_next_so_init_work_is_measured()
    {
        var started = DateTime.UtcNow;
        await using var handler = await StartAsync(Options(("WARMKEEPER_TEST_INIT_MS", "400")));
        var elapsed = DateTime.UtcNow - started;

        Assert.True(handler.InitDuration >= TimeSpan.FromMilliseconds(400), $"InitDuration {handler.InitDuration}");
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(400), $"InitAsync returned after {elapsed}");
        Assert.True(Json(await InvokeAsync(handler, "{}")).GetProperty("coldStart").GetBoolean());
    }

    [Fact]
    public async Task Init_error_posted_by_the_runtime_fails_init_with_its_type_and_ends_the_process()
    {
        var handler = Factory().Create("test-function", Options(("WARMKEEPER_TEST_INIT_ERROR", "1")), "env-init-error");
        try
        {
            var error = await Assert.ThrowsAsync<FunctionInitException>(() => handler.InitAsync(CancellationToken.None));
            Assert.Equal("TestInitError", error.ErrorType);
            Assert.Contains("WARMKEEPER_TEST_INIT_ERROR", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await handler.DisposeAsync();
        }
        Assert.False(IsRunning(((ProcessFunctionHandler)handler).ProcessId!.Value));
    }

    [Fact]
    public async Task A_process_exiting_before_next_fails_init_with_Runtime_ExitError()
    {
        await using var handler = Factory().Create("test-function", Options(("WARMKEEPER_TEST_INIT_EXIT", "3")), "env-exit", provisioned: false);

        var error = await Assert.ThrowsAsync<FunctionInitException>(() => handler.InitAsync(CancellationToken.None));

        Assert.Equal("Runtime.ExitError", error.ErrorType);
        Assert.Contains("exit status 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_or_unstartable_command_fails_init_with_Runtime_InvalidEntrypoint()
    {
        var missing = new LocalFunctionOptions { Handler = LocalHandlerKind.Process };
        await using var noCommand = Factory().Create("no-command", missing, "env-1");
        var error = await Assert.ThrowsAsync<FunctionInitException>(() => noCommand.InitAsync(CancellationToken.None));
        Assert.Equal("Runtime.InvalidEntrypoint", error.ErrorType);
        Assert.Contains("Command", error.Message, StringComparison.Ordinal);

        var absent = new LocalFunctionOptions { Handler = LocalHandlerKind.Process, Command = Path.Combine(Path.GetTempPath(), "warmkeeper-no-such-" + Guid.NewGuid()) };
        await using var notThere = Factory().Create("absent", absent, "env-2");
        error = await Assert.ThrowsAsync<FunctionInitException>(() => notThere.InitAsync(CancellationToken.None));
        Assert.Equal("Runtime.InvalidEntrypoint", error.ErrorType);
        Assert.Contains(absent.Command, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_crash_mid_invocation_is_Runtime_ExitError_and_the_process_is_gone()
    {
        await using var handler = await StartAsync(Options());
        await InvokeAsync(handler, "{}");
        Assert.False(handler.HasExited);
        var requestId = Guid.NewGuid().ToString();

        var crash = await Assert.ThrowsAsync<EnvironmentCrashedException>(() => InvokeAsync(handler, """{"crash":true}""", requestId));

        Assert.Equal("Runtime.ExitError", crash.ErrorType);
        Assert.Equal("Runtime exited with error: exit status 1", crash.Message);
        Assert.False(IsRunning(handler.ProcessId!.Value));
        Assert.True(handler.HasExited);
        // The environment stays unusable: the next invocation fails at once instead of hanging.
        await Assert.ThrowsAsync<EnvironmentCrashedException>(() => InvokeAsync(handler, "{}"));
    }

    [Fact]
    public async Task An_error_post_is_an_Unhandled_function_error_with_the_runtime_document()
    {
        await using var handler = await StartAsync(Options());

        var result = await InvokeAsync(handler, """{"fail":true}""");

        Assert.Equal("Unhandled", result.FunctionError);
        var document = Json(result);
        Assert.Equal("TestError", document.GetProperty("errorType").GetString());
        Assert.Equal("Failure requested by the event", document.GetProperty("errorMessage").GetString());
        Assert.Equal(JsonValueKind.Array, document.GetProperty("stackTrace").ValueKind);
        // The environment survives a handled error.
        Assert.Null((await InvokeAsync(handler, "{}")).FunctionError);
    }

    [Fact]
    public async Task Output_written_during_an_invocation_is_its_log_and_only_its_log()
    {
        await using var handler = await StartAsync(Options());

        var first = await InvokeAsync(handler, """{"log":"first line from the function"}""");
        var second = await InvokeAsync(handler, """{"log":"second line, with ünïcode"}""");
        var quiet = await InvokeAsync(handler, "{}");

        Assert.Equal("first line from the function\n", first.Log);
        Assert.Equal("second line, with ünïcode\n", second.Log);
        Assert.Equal("", quiet.Log);
    }

    [Fact]
    public async Task Many_invocations_each_get_exactly_their_own_log_line()
    {
        await using var handler = await StartAsync(Options());
        Assert.Equal(OperatingSystem.IsLinux(), handler.HasExactLogFence);

        for (var i = 0; i < 50; i++)
        {
            var result = await InvokeAsync(handler, $$"""{"log":"line {{i}}"}""");
            Assert.Equal($"line {i}\n", result.Log);
        }
    }

    [Fact]
    public async Task Cancellation_times_the_invocation_out_and_kills_the_process()
    {
        await using var handler = await StartAsync(Options());
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handler.InvokeAsync(Invocation("""{"sleepMs":20000}"""), timeout.Token));

        Assert.True(await ExitsWithinAsync(handler.ProcessId!.Value, TimeSpan.FromSeconds(5)), "the timed-out process is still running");
    }

    [Fact]
    public async Task Cancelling_init_kills_the_process()
    {
        await using var handler = Factory().Create("test-function", Options(("WARMKEEPER_TEST_INIT_MS", "20000")), "env-slow", provisioned: false);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handler.InitAsync(cancel.Token));

        Assert.True(await ExitsWithinAsync(handler.ProcessId!.Value, TimeSpan.FromSeconds(5)), "the cancelled process is still running");
    }

    private const string MarkerRequestId = "5f1b8c5e-2a3d-4f6e-9b7a-0c1d2e3f4a5b";

    [Theory]
    [InlineData("""{"warmkeeper":{"warmup":true,"correlationId":"c-42","index":3,"fanOut":5,"holdMs":150}}""", "warmkeeper", "\"c-42\"", "3", 150)]
    [InlineData("""{"source":"serverless-plugin-warmup"}""", "serverless-plugin-warmup", "null", "null", 0)]
    [InlineData("""{"warmer":true,"concurrency":5}""", "lambda-warmer", "\"" + MarkerRequestId + "\"", "1", 75)]
    [InlineData("""{"warmer":true,"concurrency":1}""", "lambda-warmer", "\"" + MarkerRequestId + "\"", "1", 0)]
    [InlineData("""{"__WARMER_INVOCATION__":2,"__WARMER_CONCURRENCY__":5,"__WARMER_CORRELATIONID__":"lw-7"}""", "lambda-warmer", "\"lw-7\"", "2", 75)]
    public async Task Every_warm_up_marker_is_answered_as_a_warm_up(string marker, string format, string correlationId, string index, int holdMs)
    {
        await using var handler = await StartAsync(Options());

        var started = DateTime.UtcNow;
        var result = await InvokeAsync(handler, marker, MarkerRequestId);
        var elapsed = DateTime.UtcNow - started;
        var answer = Json(result);
        var again = Json(await InvokeAsync(handler, marker));

        Assert.True(answer.GetProperty("warmup").GetBoolean());
        Assert.Equal(format, answer.GetProperty("format").GetString());
        Assert.True(answer.GetProperty("coldStart").GetBoolean());
        Assert.False(again.GetProperty("coldStart").GetBoolean());
        Assert.Equal(answer.GetProperty("environmentId").GetString(), again.GetProperty("environmentId").GetString());
        Assert.Equal(correlationId, answer.GetProperty("correlationId").GetRawText());
        Assert.Equal(index, answer.GetProperty("index").GetRawText());
        Assert.Equal(JsonDocument.Parse(marker).RootElement.GetRawText(), answer.GetProperty("received").GetRawText());
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(holdMs), $"held {elapsed.TotalMilliseconds} ms, expected at least {holdMs}");
    }

    [Fact]
    public async Task Dispose_kills_the_process_and_closes_the_runtime_endpoint()
    {
        var handler = await StartAsync(Options());
        await InvokeAsync(handler, "{}");
        var processId = handler.ProcessId!.Value;
        var endpoint = IPEndPoint.Parse(handler.RuntimeApiAddress!);

        await handler.DisposeAsync();

        Assert.False(IsRunning(processId));
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(async () => await probe.ConnectAsync(endpoint));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => handler.InvokeAsync(Invocation("{}"), CancellationToken.None));
    }

    [Fact]
    public async Task The_process_gets_Lambdas_reserved_environment_variables()
    {
        var options = Options(("AWS_REGION", "configured-region-is-ignored"), ("MY_SETTING", "kept"), ("WARMKEEPER_TEST_ENVIRONMENT_ID", "given-id"));
        var handler = new ProcessFunctionHandlerFactory(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, TimeProvider.System,
            Microsoft.Extensions.Options.Options.Create(new LocalRuntimeOptions { Region = "eu-west-3" }))
            .Create("env-function", options, "0f8fad5b-d9cb-469f-a165-70867728950e", provisioned: true);
        await using var _ = handler;
        await handler.InitAsync(CancellationToken.None);

        var names = new[]
        {
            "AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_REGION", "AWS_DEFAULT_REGION", "_HANDLER",
            "AWS_LAMBDA_INITIALIZATION_TYPE", "TZ", "LAMBDA_TASK_ROOT", "MY_SETTING",
        };
        var answer = Json(await InvokeAsync(handler, JsonSerializer.Serialize(new { env = names })));
        var env = answer.GetProperty("env");

        Assert.Equal("given-id", answer.GetProperty("environmentId").GetString());
        Assert.Equal(handler.RuntimeApiAddress, env.GetProperty("AWS_LAMBDA_RUNTIME_API").GetString());
        Assert.Equal("env-function", env.GetProperty("AWS_LAMBDA_FUNCTION_NAME").GetString());
        Assert.Equal("$LATEST", env.GetProperty("AWS_LAMBDA_FUNCTION_VERSION").GetString());
        Assert.Equal("256", env.GetProperty("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").GetString());
        Assert.Matches(@"^\d{4}/\d{2}/\d{2}/\[\$LATEST\]0f8fad5bd9cb469fa16570867728950e$", env.GetProperty("AWS_LAMBDA_LOG_STREAM_NAME").GetString());
        Assert.Equal("/aws/lambda/env-function", env.GetProperty("AWS_LAMBDA_LOG_GROUP_NAME").GetString());
        Assert.Equal("eu-west-3", env.GetProperty("AWS_REGION").GetString());
        Assert.Equal("eu-west-3", env.GetProperty("AWS_DEFAULT_REGION").GetString());
        Assert.Equal("provisioned-concurrency", env.GetProperty("AWS_LAMBDA_INITIALIZATION_TYPE").GetString());
        Assert.Equal(":UTC", env.GetProperty("TZ").GetString());
        Assert.Equal(Path.GetFileName(options.Command), env.GetProperty("_HANDLER").GetString());
        Assert.Equal(Path.GetDirectoryName(options.Command), env.GetProperty("LAMBDA_TASK_ROOT").GetString());
        Assert.Equal("kept", env.GetProperty("MY_SETTING").GetString());
    }

    [Fact]
    public async Task A_response_over_6_MB_is_a_ResponseSizeTooLarge_function_error()
    {
        await using var handler = await StartAsync(Options());

        var tooLarge = await InvokeAsync(handler, $$"""{"responseBytes":{{ProcessFunctionHandler.MaxResponseBytes + 1}}}""");
        var atLimit = await InvokeAsync(handler, $$"""{"responseBytes":{{ProcessFunctionHandler.MaxResponseBytes}}}""");

        Assert.Equal("Unhandled", tooLarge.FunctionError);
        Assert.Equal("Function.ResponseSizeTooLarge", Json(tooLarge).GetProperty("errorType").GetString());
        Assert.Null(atLimit.FunctionError);
        Assert.Equal(ProcessFunctionHandler.MaxResponseBytes, atLimit.Payload.Length);
        // The runtime got a 413 and carried on: the environment still answers.
        Assert.Null((await InvokeAsync(handler, "{}")).FunctionError);
    }

    [Fact]
    public async Task The_runtime_api_refuses_unknown_request_ids_and_paths_with_an_error_body()
    {
        await using var handler = await StartAsync(Options());
        using var http = new HttpClient { BaseAddress = new Uri($"http://{handler.RuntimeApiAddress}/") };

        using var unknownId = await http.PostAsync("2018-06-01/runtime/invocation/not-a-request/response", new StringContent("{}"));
        using var unknownPath = await http.GetAsync("2018-06-01/runtime/nothing-here");
        using var lateInitError = await http.PostAsync("2018-06-01/runtime/init/error", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.BadRequest, unknownId.StatusCode);
        Assert.Equal("InvalidRequestID", JsonDocument.Parse(await unknownId.Content.ReadAsStringAsync()).RootElement.GetProperty("errorType").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknownPath.StatusCode);
        Assert.True(JsonDocument.Parse(await unknownPath.Content.ReadAsStringAsync()).RootElement.TryGetProperty("errorMessage", out _));
        Assert.Equal(HttpStatusCode.Forbidden, lateInitError.StatusCode);
        // None of that disturbed the environment.
        Assert.Null((await InvokeAsync(handler, "{}")).FunctionError);
    }

    [Fact]
    public async Task Next_carries_the_invocation_headers()
    {
        // Plays the runtime by hand to see exactly what `next` answers.
        var options = new LocalFunctionOptions
        {
            Handler = LocalHandlerKind.Process,
            Command = OperatingSystem.IsWindows() ? "cmd.exe" : "/bin/sh",
            Arguments = OperatingSystem.IsWindows() ? ["/c", "ping -n 60 127.0.0.1 >NUL"] : ["-c", "sleep 60"],
        };
        await using var handler = Factory().Create("by-hand", options, "env-by-hand", provisioned: false);
        var init = handler.InitAsync(CancellationToken.None);
        while (handler.RuntimeApiAddress is null)
        {
            await Task.Delay(5);
        }
        using var http = new HttpClient { BaseAddress = new Uri($"http://{handler.RuntimeApiAddress}/"), Timeout = TimeSpan.FromSeconds(30) };
        var next = http.GetAsync("2018-06-01/runtime/invocation/next");
        await init;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(3);
        var clientContext = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"custom":{"k":"v"}}"""));
        var invoke = handler.InvokeAsync(
            new HandlerInvocation("8476a536-e9f4-11e8-9739-2dfe598c3fcd", Encoding.UTF8.GetBytes("""{"a":1}"""), "arn:aws:lambda:us-east-1:000000000000:function:by-hand:prod", deadline, clientContext),
            CancellationToken.None);

        using var response = await next;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("8476a536-e9f4-11e8-9739-2dfe598c3fcd", response.Headers.GetValues("Lambda-Runtime-Aws-Request-Id").Single());
        Assert.Equal(deadline.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("Lambda-Runtime-Deadline-Ms").Single());
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:by-hand:prod", response.Headers.GetValues("Lambda-Runtime-Invoked-Function-Arn").Single());
        Assert.Matches("^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$", response.Headers.GetValues("Lambda-Runtime-Trace-Id").Single());
        Assert.Equal("""{"custom":{"k":"v"}}""", response.Headers.GetValues("Lambda-Runtime-Client-Context").Single());
        Assert.Equal("""{"a":1}""", await response.Content.ReadAsStringAsync());

        using var posted = await http.PostAsync("2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/response", new StringContent("\"done\""));
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        Assert.Equal("""{"status":"OK"}""", await posted.Content.ReadAsStringAsync());
        var result = await invoke;
        Assert.Equal("\"done\"", Encoding.UTF8.GetString(result.Payload.Span));

        using var twice = await http.PostAsync("2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/response", new StringContent("\"again\""));
        Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
    }
}
