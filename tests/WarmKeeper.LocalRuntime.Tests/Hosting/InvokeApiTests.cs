using System.Net;
using System.Text;
using System.Text.Json;
using WarmKeeper.Core.Observations;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.LocalRuntime.Tests.Hosting;

/// <summary>The Invoke operation over real HTTP: payloads, invocation types, errors and logs.</summary>
public sealed class InvokeApiTests
{
    [Fact]
    public async Task Echo_returns_its_event_with_the_executed_version_and_a_request_id()
    {
        await using var rt = await TestRuntime.StartAsync();
        using var response = await rt.InvokeAsync("hello", "{\"a\":[1,2,{\"b\":null}]}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"a\":[1,2,{\"b\":null}]}", await response.Content.ReadAsStringAsync());
        Assert.Equal("$LATEST", HttpAssert.Header(response, "X-Amz-Executed-Version"));
        Assert.True(Guid.TryParse(HttpAssert.Header(response, "x-amzn-RequestId"), out _));
        Assert.Null(HttpAssert.OptionalHeader(response, "X-Amz-Function-Error"));
    }

    [Fact]
    public async Task An_empty_body_is_the_empty_object()
    {
        await using var rt = await TestRuntime.StartAsync();
        using var response = await rt.InvokeAsync("hello", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_refused_with_400()
    {
        await using var rt = await TestRuntime.StartAsync();
        using var response = await rt.InvokeAsync("hello", "{not json");
        var error = await HttpAssert.ErrorAsync(response, 400, "InvalidRequestContentException");
        Assert.StartsWith("Could not parse request body into json: ", HttpAssert.Message(error), StringComparison.Ordinal);
        Assert.Equal("User", error.GetProperty("Type").GetString());
        Assert.Empty(rt.Engine.GetSnapshot().Functions.Single(f => f.Name == "hello").Environments);
    }

    [Fact]
    public async Task Unknown_function_and_qualifier_are_404_with_the_arn()
    {
        await using var rt = await TestRuntime.StartAsync();
        using var nope = await rt.InvokeAsync("nope", "{}");
        var error = await HttpAssert.ErrorAsync(nope, 404, "ResourceNotFoundException");
        Assert.Equal("Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope", error.GetProperty("Message").GetString());

        using var badQualifier = await rt.InvokeAsync("hello", "{}", qualifier: "9");
        var qualifierError = await HttpAssert.ErrorAsync(badQualifier, 404, "ResourceNotFoundException");
        Assert.Equal("Function not found: arn:aws:lambda:us-east-1:000000000000:function:hello:9", HttpAssert.Message(qualifierError));
    }

    [Fact]
    public async Task Aliases_arns_and_qualified_names_resolve_to_their_version()
    {
        await using var rt = await TestRuntime.StartAsync();
        using var alias = await rt.InvokeAsync("hello", "{}", qualifier: "live");
        Assert.Equal("2", HttpAssert.Header(alias, "X-Amz-Executed-Version"));

        using var arn = await rt.InvokeAsync("arn:aws:lambda:us-east-1:000000000000:function:hello:old", "{}");
        Assert.Equal("1", HttpAssert.Header(arn, "X-Amz-Executed-Version"));

        using var partial = await rt.InvokeAsync("000000000000:function:hello", "{}", qualifier: "2");
        Assert.Equal("2", HttpAssert.Header(partial, "X-Amz-Executed-Version"));

        using var mismatch = await rt.InvokeAsync("hello:1", "{}", qualifier: "2");
        await HttpAssert.ErrorAsync(mismatch, 400, "InvalidParameterValueException");

        // Environments are per version: the alias's call and the version's call must not share one.
        var environments = rt.Engine.GetFunctionSnapshot("hello").Environments;
        Assert.Equal(["1", "2"], environments.Select(e => e.Version).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task Oversized_payloads_get_lambdas_413_for_sync_and_async()
    {
        await using var rt = await TestRuntime.StartAsync();
        var sync = "\"" + new string('x', 6 * 1024 * 1024) + "\"";
        using var syncResponse = await rt.InvokeAsync("hello", sync);
        var syncError = await HttpAssert.ErrorAsync(syncResponse, 413, "RequestTooLargeException");
        Assert.Contains("6291456", HttpAssert.Message(syncError), StringComparison.Ordinal);

        var async = "\"" + new string('x', 1024 * 1024) + "\"";
        using var asyncResponse = await rt.InvokeAsync("hello", async, invocationType: "Event");
        var asyncError = await HttpAssert.ErrorAsync(asyncResponse, 413, "RequestTooLargeException");
        Assert.Contains("1048576", HttpAssert.Message(asyncError), StringComparison.Ordinal);

        // The same size is fine synchronously: the limits differ by invocation type.
        using var syncOk = await rt.InvokeAsync("hello", async);
        Assert.Equal(HttpStatusCode.OK, syncOk.StatusCode);
        Assert.Equal(async.Length, (await syncOk.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Event_answers_202_and_runs_in_the_background()
    {
        var observer = new RecordingObserver();
        await using var rt = await TestRuntime.StartAsync(deps: new LocalRuntimeServerDependencies { Observers = [observer] });
        using var response = await rt.InvokeAsync("slow", "{\"workMs\":200}", invocationType: "Event");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var requestId = HttpAssert.Header(response, "x-amzn-RequestId");

        var ran = await observer.WaitForAsync(e => e.RequestId == requestId, 1);
        Assert.Equal("Event", ran[0].InvocationType);
        Assert.Equal(InvocationStart.Cold, ran[0].Start);
        Assert.True(ran[0].RunDuration >= TimeSpan.FromMilliseconds(150), ran[0].RunDuration.ToString());
        Assert.Equal(1, rt.Engine.GetFunctionSnapshot("slow").Environments.Single().InvocationCount);
    }

    [Fact]
    public async Task DryRun_answers_204_after_validation_and_runs_nothing()
    {
        await using var rt = await TestRuntime.StartAsync();
        using var ok = await rt.InvokeAsync("hello", "{}", qualifier: "live", invocationType: "DryRun");
        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        using var missing = await rt.InvokeAsync("hello", "{}", qualifier: "nope", invocationType: "DryRun");
        await HttpAssert.ErrorAsync(missing, 404, "ResourceNotFoundException");
        Assert.Empty(rt.Engine.GetFunctionSnapshot("hello").Environments);
    }

    [Fact]
    public async Task Tail_returns_start_function_lines_end_and_a_report_with_init_only_on_cold_start()
    {
        await using var rt = await TestRuntime.StartAsync();
        using var first = await rt.InvokeAsync("hello", "{}", tail: true);
        var requestId = HttpAssert.Header(first, "x-amzn-RequestId");
        var log = Encoding.UTF8.GetString(Convert.FromBase64String(HttpAssert.Header(first, "X-Amz-Log-Result")));
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"START RequestId: {requestId} Version: $LATEST", lines[0]);
        Assert.Contains(lines, l => l.Contains("Echo: returning the event", StringComparison.Ordinal));
        Assert.Equal($"END RequestId: {requestId}", lines[^2]);
        Assert.Matches($@"^REPORT RequestId: {requestId}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t$", lines[^1]);
        var init = double.Parse(System.Text.RegularExpressions.Regex.Match(lines[^1], @"Init Duration: (\d+\.\d\d)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(init >= 15, $"Init Duration {init} should include the configured 20 ms init.");

        using var second = await rt.InvokeAsync("hello", "{}", tail: true);
        var warmLog = Encoding.UTF8.GetString(Convert.FromBase64String(HttpAssert.Header(second, "X-Amz-Log-Result")));
        Assert.Contains("REPORT RequestId: ", warmLog, StringComparison.Ordinal);
        Assert.DoesNotContain("Init Duration", warmLog, StringComparison.Ordinal);

        using var noTail = await rt.InvokeAsync("hello", "{}");
        Assert.Null(HttpAssert.OptionalHeader(noTail, "X-Amz-Log-Result"));
    }

    [Fact]
    public async Task Tail_keeps_only_the_last_4_kb()
    {
        await using var rt = await TestRuntime.StartAsync(o => o.Functions["fail"] = new LocalFunctionOptions { Handler = LocalHandlerKind.Fail });
        using var response = await rt.InvokeAsync("fail", "{}", tail: true);
        var bytes = Convert.FromBase64String(HttpAssert.Header(response, "X-Amz-Log-Result"));
        Assert.True(bytes.Length <= 4096);
        Assert.Contains("REPORT RequestId:", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_function_answers_200_with_function_error_unhandled()
    {
        await using var rt = await TestRuntime.StartAsync(o => o.Functions["fail"] = new LocalFunctionOptions { Handler = LocalHandlerKind.Fail });
        using var response = await rt.InvokeAsync("fail", "{}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unhandled", HttpAssert.Header(response, "X-Amz-Function-Error"));
        var body = await HttpAssert.JsonAsync(response);
        Assert.Equal("Error", body.GetProperty("errorType").GetString());
        // A handled failure keeps the environment (only timeouts and crashes discard it).
        Assert.Single(rt.Engine.GetFunctionSnapshot("fail").Environments);
    }

    [Fact]
    public async Task Work_honours_workMs_from_the_event()
    {
        await using var rt = await TestRuntime.StartAsync();
        using var response = await rt.InvokeAsync("slow", "{\"other\":{\"workMs\":1},\"workMs\":30}");
        var body = await HttpAssert.JsonAsync(response);
        Assert.Equal(30, body.GetProperty("workedMs").GetInt32());
    }

    [Fact]
    public async Task Burn_spends_the_requested_time_and_reports_it()
    {
        var observer = new RecordingObserver();
        await using var rt = await TestRuntime.StartAsync(
            o => o.Functions["burn"] = new LocalFunctionOptions { Handler = LocalHandlerKind.Burn, InitDuration = TimeSpan.Zero },
            new LocalRuntimeServerDependencies { Observers = [observer] });
        using var response = await rt.InvokeAsync("burn", "{\"workMs\":40}");
        Assert.Equal(40, (await HttpAssert.JsonAsync(response)).GetProperty("burnedMs").GetInt32());
        var seen = await observer.WaitForAsync(e => e.FunctionName == "burn", 1);
        Assert.True(seen[0].RunDuration >= TimeSpan.FromMilliseconds(39), seen[0].RunDuration.ToString());
    }

    [Fact]
    public async Task Unknown_operations_get_a_lambda_shaped_404()
    {
        await using var rt = await TestRuntime.StartAsync();
        using var response = await rt.Http.GetAsync("/2099-01-01/nothing");
        await HttpAssert.ErrorAsync(response, 404, "UnknownOperationException");
    }

    [Fact]
    public async Task An_unknown_invocation_type_is_refused()
    {
        await using var rt = await TestRuntime.StartAsync();
        using var response = await rt.InvokeAsync("hello", "{}", invocationType: "Sometimes");
        var error = await HttpAssert.ErrorAsync(response, 400, "InvalidParameterValueException");
        Assert.Contains("invocationType", HttpAssert.Message(error), StringComparison.Ordinal);
    }
}
