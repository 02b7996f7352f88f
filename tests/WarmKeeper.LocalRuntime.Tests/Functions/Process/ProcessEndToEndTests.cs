using System.Net;
using System.Text;
using System.Text.Json;
using WarmKeeper.LocalRuntime.Hosting;
using WarmKeeper.Testing;

namespace WarmKeeper.LocalRuntime.Tests.Functions.Process;

/// <summary>A process function invoked the way an SDK does it: Lambda REST on the local runtime's listener.</summary>
public sealed class ProcessEndToEndTests
{
    private static Task<TestRuntime> StartAsync() => TestRuntime.StartAsync(
        options =>
        {
            var function = ProcessTestFunction.Options();
            function.Timeout = TimeSpan.FromSeconds(30);
            options.Functions["process-fn"] = function;
        },
        new LocalRuntimeServerDependencies { ProcessFunctions = ProcessTestFunction.Factory() });

    private static string Tail(HttpResponseMessage response) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(HttpAssert.Header(response, "X-Amz-Log-Result")));

    [Fact]
    public async Task A_process_function_starts_cold_then_answers_warm_from_the_same_environment()
    {
        await using var runtime = await StartAsync();

        using var cold = await runtime.InvokeAsync("process-fn", """{"log":"hello from the process"}""", tail: true);
        using var warm = await runtime.InvokeAsync("process-fn", """{"n":2}""", tail: true);

        Assert.Equal(HttpStatusCode.OK, cold.StatusCode);
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        var coldAnswer = await HttpAssert.JsonAsync(cold);
        var warmAnswer = await HttpAssert.JsonAsync(warm);
        Assert.True(coldAnswer.GetProperty("coldStart").GetBoolean());
        Assert.False(warmAnswer.GetProperty("coldStart").GetBoolean());
        Assert.Equal(coldAnswer.GetProperty("environmentId").GetString(), warmAnswer.GetProperty("environmentId").GetString());
        Assert.Equal(2, warmAnswer.GetProperty("event").GetProperty("n").GetInt32());

        var coldTail = Tail(cold);
        var warmTail = Tail(warm);
        Assert.Contains("hello from the process\n", coldTail, StringComparison.Ordinal);
        Assert.Contains("Init Duration: ", coldTail, StringComparison.Ordinal);
        Assert.DoesNotContain("Init Duration: ", warmTail, StringComparison.Ordinal);
        Assert.DoesNotContain("hello from the process", warmTail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_process_function_error_and_crash_reach_the_caller_as_Lambda_reports_them()
    {
        await using var runtime = await StartAsync();

        using var failed = await runtime.InvokeAsync("process-fn", """{"fail":true}""");
        var failedDocument = await HttpAssert.JsonAsync(failed);
        using var crashed = await runtime.InvokeAsync("process-fn", """{"crash":true}""");
        var crashedDocument = await HttpAssert.JsonAsync(crashed);
        using var after = await runtime.InvokeAsync("process-fn", "{}");
        var afterAnswer = await HttpAssert.JsonAsync(after);

        Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        Assert.Equal("Unhandled", HttpAssert.Header(failed, "X-Amz-Function-Error"));
        Assert.Equal("TestError", failedDocument.GetProperty("errorType").GetString());
        Assert.Equal("Unhandled", HttpAssert.Header(crashed, "X-Amz-Function-Error"));
        Assert.Equal("Runtime.ExitError", crashedDocument.GetProperty("errorType").GetString());
        // The crashed environment is replaced by a new one: a cold start.
        Assert.True(afterAnswer.GetProperty("coldStart").GetBoolean(), JsonSerializer.Serialize(afterAnswer));
    }

    [Fact]
    public async Task A_warm_up_fan_out_holds_each_environment_so_it_starts_three_and_reuses_them()
    {
        await using var runtime = await StartAsync();

        async Task<string[]> FanOutAsync(string correlationId)
        {
            var pings = Enumerable.Range(0, 3).Select(async index =>
            {
                using var response = await runtime.InvokeAsync("process-fn",
                    $$$"""{"warmkeeper":{"warmup":true,"correlationId":"{{{correlationId}}}","index":{{{index}}},"fanOut":3,"holdMs":1500}}""");
                var answer = await HttpAssert.JsonAsync(response);
                Assert.True(answer.GetProperty("warmup").GetBoolean());
                Assert.Equal(correlationId, answer.GetProperty("correlationId").GetString());
                return (Id: answer.GetProperty("environmentId").GetString()!, Cold: answer.GetProperty("coldStart").GetBoolean());
            });
            var answers = await Task.WhenAll(pings);
            Assert.Equal(3, answers.Select(a => a.Id).Distinct().Count());
            Assert.All(answers, a => Assert.Equal(correlationId == "first", a.Cold));
            return [.. answers.Select(a => a.Id).Order(StringComparer.Ordinal)];
        }

        var first = await FanOutAsync("first");
        var second = await FanOutAsync("second");

        Assert.Equal(first, second);
    }

    [SkippableFact]
    public async Task The_AWS_CLI_invokes_a_process_function_warm_up_then_error()
    {
        var cli = AwsCli.Require();
        await using var runtime = await StartAsync();
        var outFile = Path.Combine(Path.GetTempPath(), "wk-process-cli-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            var warmup = await cli.RunAsync(runtime.Server.BaseAddress, ["lambda", "invoke", "--function-name", "process-fn",
                "--cli-binary-format", "raw-in-base64-out", "--payload", """{"warmkeeper":{"warmup":true,"correlationId":"cli-1","index":0,"fanOut":1}}""",
                "--log-type", "Tail", "--output", "json", outFile]);
            Assert.True(warmup.ExitCode == 0, warmup.ToString());
            using (var answer = JsonDocument.Parse(await File.ReadAllTextAsync(outFile)))
            {
                Assert.True(answer.RootElement.GetProperty("warmup").GetBoolean());
                Assert.Equal("warmkeeper", answer.RootElement.GetProperty("format").GetString());
                Assert.Equal("cli-1", answer.RootElement.GetProperty("correlationId").GetString());
                Assert.True(answer.RootElement.GetProperty("coldStart").GetBoolean());
            }
            using (var metadata = JsonDocument.Parse(warmup.StandardOutput))
            {
                var log = Encoding.UTF8.GetString(Convert.FromBase64String(metadata.RootElement.GetProperty("LogResult").GetString()!));
                Assert.Contains("Init Duration: ", log, StringComparison.Ordinal);
            }

            var failed = await cli.RunAsync(runtime.Server.BaseAddress, ["lambda", "invoke", "--function-name", "process-fn",
                "--cli-binary-format", "raw-in-base64-out", "--payload", """{"fail":true}""", "--output", "json", outFile]);
            Assert.True(failed.ExitCode == 0, failed.ToString());
            using (var metadata = JsonDocument.Parse(failed.StandardOutput))
            {
                Assert.Equal("Unhandled", metadata.RootElement.GetProperty("FunctionError").GetString());
            }
            using (var error = JsonDocument.Parse(await File.ReadAllTextAsync(outFile)))
            {
                Assert.Equal("TestError", error.RootElement.GetProperty("errorType").GetString());
            }
        }
        finally
        {
            File.Delete(outFile);
        }
    }
}
