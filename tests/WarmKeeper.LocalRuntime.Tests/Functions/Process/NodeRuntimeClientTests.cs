using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using WarmKeeper.LocalRuntime.Functions.Process;
using WarmKeeper.LocalRuntime.Hosting;
using WarmKeeper.Testing;

namespace WarmKeeper.LocalRuntime.Tests.Functions.Process;

/// <summary>
/// One local runtime, shared by the class, serving unmodified Node handlers under the official
/// Runtime Interface Client (aws-lambda-ric from npm). Started on first use, so a machine without node
/// skips the tests instead of failing the fixture.
/// </summary>
public sealed class NodeRuntimeFixture : IAsyncDisposable
{
    internal const string AgentOnlyVariable = "WARMKEEPER_TEST_AGENT_ONLY";
    internal const string AgentSettingVariable = "WarmKeeper__LocalRuntime__TestSecret";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private TestRuntime? _runtime;

    internal async Task<TestRuntime> RuntimeAsync()
    {
        NodeFunctions.Require();
        // Set on the agent (this test process) before any function process starts: no function may read them.
        Environment.SetEnvironmentVariable(AgentOnlyVariable, "agent secret");
        Environment.SetEnvironmentVariable(AgentSettingVariable, "agent setting");
        await _gate.WaitAsync();
        try
        {
            return _runtime ??= await TestRuntime.StartAsync(options =>
            {
                options.Functions.Clear();
                var node = NodeFunctions.Options("index.handler");
                node.Versions = ["1", "2", "3"];
                node.Aliases = new(StringComparer.Ordinal) { ["live"] = "2" };
                node.Environment["FUNCTION_SETTING"] = "declared";
                options.Functions["node-fn"] = node;

                var timeout = NodeFunctions.Options("index.handler");
                timeout.Timeout = TimeSpan.FromSeconds(2);
                options.Functions["node-timeout"] = timeout;

                var provisioned = NodeFunctions.Options("index.handler");
                provisioned.Versions = ["1"];
                provisioned.Aliases = new(StringComparer.Ordinal) { ["prod"] = "1" };
                options.Functions["node-pc"] = provisioned;
            }, new LocalRuntimeServerDependencies { ProcessFunctions = ProcessTestFunction.Factory() });
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_runtime is not null)
        {
            await _runtime.DisposeAsync();
        }
        _gate.Dispose();
    }
}

public sealed partial class NodeRuntimeClientTests(NodeRuntimeFixture fixture) : IClassFixture<NodeRuntimeFixture>
{
    private static string Tail(HttpResponseMessage response) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(HttpAssert.Header(response, "X-Amz-Log-Result")));

    private static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response)
    {
        var body = await HttpAssert.JsonAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.True(HttpAssert.OptionalHeader(response, "X-Amz-Function-Error") is null, $"function error: {body}");
        return body;
    }

    [SkippableFact]
    public async Task An_unmodified_handler_starts_cold_then_runs_warm_with_Lambdas_REPORT_lines()
    {
        var runtime = await fixture.RuntimeAsync();

        // A version of its own, so no other test of the class has warmed it.
        using var cold = await runtime.InvokeAsync("node-fn", """{"log":"hello from node"}""", qualifier: "3", tail: true);
        var coldAnswer = await OkJsonAsync(cold);
        using var warm = await runtime.InvokeAsync("node-fn", """{"allocateMb":96}""", qualifier: "3", tail: true);
        var warmAnswer = await OkJsonAsync(warm);

        Assert.Equal(coldAnswer.GetProperty("pid").GetInt32(), warmAnswer.GetProperty("pid").GetInt32());
        Assert.Equal("hello from node", coldAnswer.GetProperty("event").GetProperty("log").GetString());
        var coldTail = Tail(cold);
        var warmTail = Tail(warm);
        Assert.Matches(@"INFO\thello from node\n", coldTail);
        Assert.Matches(@"START RequestId: [0-9a-f-]{36} Version: 3\n", coldTail);
        Assert.Matches(@"REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms", coldTail);
        Assert.DoesNotContain("Init Duration", warmTail, StringComparison.Ordinal);
        Assert.DoesNotContain("hello from node", warmTail, StringComparison.Ordinal);
        // The real peak of the process: the 96 MB it touched are resident, beside node itself.
        var maxUsed = int.Parse(MaxMemoryUsed().Match(warmTail).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(maxUsed, 96 + 10, 256 + 96);
    }

    [SkippableFact]
    public async Task An_unhandled_error_comes_back_in_AWS_shape()
    {
        var runtime = await fixture.RuntimeAsync();

        using var failed = await runtime.InvokeAsync("node-fn", """{"fail":"the handler threw"}""");
        var document = await HttpAssert.JsonAsync(failed);

        Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        Assert.Equal("Unhandled", HttpAssert.Header(failed, "X-Amz-Function-Error"));
        Assert.Equal("TypeError", document.GetProperty("errorType").GetString());
        Assert.Equal("the handler threw", document.GetProperty("errorMessage").GetString());
        var trace = document.GetProperty("trace");
        Assert.Equal(JsonValueKind.Array, trace.ValueKind);
        Assert.Contains(trace.EnumerateArray(), line => line.GetString()!.Contains("index.js", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_timeout_keeps_the_functions_own_lines_and_says_RequestId_once()
    {
        var runtime = await fixture.RuntimeAsync();

        using var response = await runtime.InvokeAsync("node-timeout", """{"log":"written before the timeout","sleepMs":20000}""", tail: true);
        var document = await HttpAssert.JsonAsync(response);
        var tail = Tail(response);

        Assert.Equal("Unhandled", HttpAssert.Header(response, "X-Amz-Function-Error"));
        Assert.Equal("Sandbox.Timedout", document.GetProperty("errorType").GetString());
        var message = document.GetProperty("errorMessage").GetString()!;
        Assert.Matches(@"^RequestId: [0-9a-f-]{36} Error: Task timed out after 2\.00 seconds$", message);
        Assert.Contains("written before the timeout", tail, StringComparison.Ordinal);
        Assert.Contains("Task timed out after 2.00 seconds", tail, StringComparison.Ordinal);
        Assert.Matches(@"REPORT RequestId: .*\tStatus: timeout", tail);
    }

    [SkippableFact]
    public async Task A_crash_is_Runtime_ExitError_worded_once_and_the_next_call_gets_a_fresh_process()
    {
        var runtime = await fixture.RuntimeAsync();

        using var crashed = await runtime.InvokeAsync("node-fn", """{"exitCode":3}""");
        var document = await HttpAssert.JsonAsync(crashed);
        using var after = await runtime.InvokeAsync("node-fn", "{}");
        var afterAnswer = await OkJsonAsync(after);

        Assert.Equal("Runtime.ExitError", document.GetProperty("errorType").GetString());
        var requestId = HttpAssert.Header(crashed, "x-amzn-RequestId");
        Assert.Equal($"RequestId: {requestId} Error: Runtime exited with error: exit status 3", document.GetProperty("errorMessage").GetString());
        Assert.True(afterAnswer.GetProperty("pid").GetInt32() > 0);
    }

    [SkippableFact]
    public async Task The_context_object_says_the_function_the_version_and_the_invoked_ARN()
    {
        var runtime = await fixture.RuntimeAsync();

        using var response = await runtime.InvokeAsync("node-fn", """{"context":true}""", qualifier: "live");
        var context = await OkJsonAsync(response);

        Assert.Equal("2", HttpAssert.Header(response, "X-Amz-Executed-Version"));
        Assert.Equal("node-fn", context.GetProperty("functionName").GetString());
        Assert.Equal("2", context.GetProperty("functionVersion").GetString());
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:node-fn:live", context.GetProperty("invokedFunctionArn").GetString());
        Assert.Equal("256", context.GetProperty("memoryLimitInMB").ToString());
        Assert.Equal(HttpAssert.Header(response, "x-amzn-RequestId"), context.GetProperty("awsRequestId").GetString());
        Assert.Equal("/aws/lambda/node-fn", context.GetProperty("logGroupName").GetString());
        Assert.Matches(@"^\d{4}/\d{2}/\d{2}/\[2\][0-9a-f]{32}$", context.GetProperty("logStreamName").GetString());
        Assert.InRange(context.GetProperty("remainingTimeInMillis").GetInt64(), 1, 30_000);
    }

    [SkippableTheory]
    [InlineData(null, "$LATEST")]
    [InlineData("1", "1")]
    [InlineData("live", "2")]
    public async Task The_process_gets_exactly_Lambdas_variables_for_the_version_it_runs(string? qualifier, string version)
    {
        var runtime = await fixture.RuntimeAsync();
        string[] names =
        [
            "_HANDLER", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
            "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ", "LANG", "PATH",
            "LD_LIBRARY_PATH", "NODE_PATH", "AWS_ENDPOINT_URL_LAMBDA", "FUNCTION_SETTING",
        ];

        using var response = await runtime.InvokeAsync("node-fn", JsonSerializer.Serialize(new { env = names }), qualifier: qualifier);
        var answer = await OkJsonAsync(response);
        var env = answer.GetProperty("env");
        string? Get(string name) => env.GetProperty(name).GetString();

        Assert.Equal("index.handler", Get("_HANDLER"));
        Assert.Equal("us-east-1", Get("AWS_REGION"));
        Assert.Equal("us-east-1", Get("AWS_DEFAULT_REGION"));
        Assert.Equal("AWS_Lambda_" + NodeFunctions.Runtime, Get("AWS_EXECUTION_ENV"));
        Assert.Equal("node-fn", Get("AWS_LAMBDA_FUNCTION_NAME"));
        Assert.Equal("256", Get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"));
        Assert.Equal(version, Get("AWS_LAMBDA_FUNCTION_VERSION"));
        Assert.Equal("on-demand", Get("AWS_LAMBDA_INITIALIZATION_TYPE"));
        Assert.Equal("/aws/lambda/node-fn", Get("AWS_LAMBDA_LOG_GROUP_NAME"));
        Assert.StartsWith(DateTime.UtcNow.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), Get("AWS_LAMBDA_LOG_STREAM_NAME"), StringComparison.Ordinal);
        Assert.Contains("/[" + version + "]", Get("AWS_LAMBDA_LOG_STREAM_NAME"), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(Get("AWS_ACCESS_KEY_ID")));
        Assert.False(string.IsNullOrEmpty(Get("AWS_SECRET_ACCESS_KEY")));
        Assert.False(string.IsNullOrEmpty(Get("AWS_SESSION_TOKEN")));
        Assert.Matches(@"^127\.0\.0\.1:\d+$", Get("AWS_LAMBDA_RUNTIME_API"));
        Assert.Equal(NodeFunctions.Folder, Get("LAMBDA_TASK_ROOT"));
        Assert.Equal(Path.Combine(NodeFunctions.Folder, "node_modules", "aws-lambda-ric"), Get("LAMBDA_RUNTIME_DIR"));
        Assert.Equal(":UTC", Get("TZ"));
        Assert.Equal("en_US.UTF-8", Get("LANG"));
        Assert.EndsWith(":/usr/local/bin:/usr/bin/:/bin:/opt/bin", Get("PATH"), StringComparison.Ordinal);
        Assert.StartsWith(Path.GetDirectoryName(NodeFunctions.Options("index.handler").Command)! + ":", Get("PATH"), StringComparison.Ordinal);
        Assert.EndsWith(":/lib64:/usr/lib64:" + Get("LAMBDA_RUNTIME_DIR") + ":" + Get("LAMBDA_RUNTIME_DIR") + "/lib:" + NodeFunctions.Folder + ":" + NodeFunctions.Folder + "/lib:/opt/lib",
            Get("LD_LIBRARY_PATH"), StringComparison.Ordinal);
        Assert.EndsWith(":" + NodeFunctions.Folder, Get("NODE_PATH"), StringComparison.Ordinal);
        Assert.Equal(runtime.Server.BaseAddress.GetLeftPart(UriPartial.Authority), Get("AWS_ENDPOINT_URL_LAMBDA"));
        Assert.Equal("declared", Get("FUNCTION_SETTING"));

        // Nothing else: not the agent's variables, not its WarmKeeper__ settings (the RIC adds the trace id per invoke).
        var all = answer.GetProperty("all").EnumerateArray().Select(n => n.GetString()!).ToHashSet(StringComparer.Ordinal);
        all.Remove("_X_AMZN_TRACE_ID");
        Assert.Equal(names.Order(StringComparer.Ordinal), all.Order(StringComparer.Ordinal));
        Assert.Equal("agent secret", Environment.GetEnvironmentVariable(NodeRuntimeFixture.AgentOnlyVariable));
        Assert.DoesNotContain(NodeRuntimeFixture.AgentOnlyVariable, all);
        Assert.DoesNotContain(NodeRuntimeFixture.AgentSettingVariable, all);
    }

    [SkippableFact]
    public async Task A_provisioned_environment_says_provisioned_concurrency()
    {
        var runtime = await fixture.RuntimeAsync();
        using var put = await runtime.PutJsonAsync("/2019-09-30/functions/node-pc/provisioned-concurrency?Qualifier=prod", """{"ProvisionedConcurrentExecutions":1}""");
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        var status = "";
        for (var attempt = 0; attempt < 300 && status != "READY"; attempt++)
        {
            await Task.Delay(100);
            using var get = await runtime.Http.GetAsync("/2019-09-30/functions/node-pc/provisioned-concurrency?Qualifier=prod");
            status = (await HttpAssert.JsonAsync(get)).GetProperty("Status").GetString()!;
            Assert.NotEqual("FAILED", status);
        }
        Assert.Equal("READY", status);

        using var response = await runtime.InvokeAsync("node-pc", """{"env":["AWS_LAMBDA_INITIALIZATION_TYPE","AWS_LAMBDA_FUNCTION_VERSION"]}""", qualifier: "prod");
        var env = (await OkJsonAsync(response)).GetProperty("env");

        Assert.Equal("provisioned-concurrency", env.GetProperty("AWS_LAMBDA_INITIALIZATION_TYPE").GetString());
        Assert.Equal("1", env.GetProperty("AWS_LAMBDA_FUNCTION_VERSION").GetString());
    }

    [SkippableFact]
    public async Task An_environment_whose_process_exited_while_idle_is_never_routed_to()
    {
        var runtime = await fixture.RuntimeAsync();

        using var first = await runtime.InvokeAsync("node-fn", """{"exitAfterAnswer":true}""", qualifier: "1");
        var pid = (await OkJsonAsync(first)).GetProperty("pid").GetInt32();
        Assert.True(await ProcessTestFunction.ExitsWithinAsync(pid, TimeSpan.FromSeconds(10)), "the function's process did not exit");
        using var next = await runtime.InvokeAsync("node-fn", "{}", qualifier: "1");
        var nextAnswer = await OkJsonAsync(next);

        Assert.NotEqual(pid, nextAnswer.GetProperty("pid").GetInt32());
    }

    [SkippableFact]
    public async Task After_a_response_too_large_the_next_call_runs_in_a_live_environment()
    {
        var runtime = await fixture.RuntimeAsync();

        using var tooLarge = await runtime.InvokeAsync("node-fn", $$"""{"responseBytes":{{ProcessFunctionHandler.MaxResponseBytes + 1}}}""", qualifier: "live");
        var document = await HttpAssert.JsonAsync(tooLarge);
        using var next = await runtime.InvokeAsync("node-fn", "{}", qualifier: "live");

        Assert.Equal("Unhandled", HttpAssert.Header(tooLarge, "X-Amz-Function-Error"));
        Assert.Equal("Function.ResponseSizeTooLarge", document.GetProperty("errorType").GetString());
        await OkJsonAsync(next);
    }

    [GeneratedRegex(@"Max Memory Used: (\d+) MB")]
    private static partial Regex MaxMemoryUsed();
}
