using System.Net;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.LocalRuntime.Tests.Engine;

/// <summary>Reserved and provisioned concurrency, throttling and the unreserved floor, over HTTP.</summary>
public sealed class ConcurrencyTests
{
    private static Task<TestRuntime> StartGatedAsync(GatedHandlerFactory gate, Action<LocalRuntimeOptions>? configure = null, RecordingObserver? observer = null) =>
        TestRuntime.StartAsync(
            o =>
            {
                o.Functions["gated"] = GatedHandlerFactory.Function();
                configure?.Invoke(o);
            },
            new LocalRuntimeServerDependencies { ProcessFunctions = gate, Observers = observer is null ? null : [observer] });

    /// <summary>Starts the calls, waits until <paramref name="running"/> are inside the function and the rest answered, then opens the gate.</summary>
    private static async Task<HttpResponseMessage[]> InvokeGatedAsync(TestRuntime rt, GatedHandlerFactory gate, int count, int running, string? qualifier = null)
    {
        var calls = new Task<HttpResponseMessage>[count];
        for (var i = 0; i < count; i++)
        {
            calls[i] = rt.InvokeAsync("gated", "{}", qualifier);
        }

        await EnvironmentLifecycleTests.WaitUntilAsync(() => rt.Engine.GetInFlight("gated") == running && calls.Count(c => c.IsCompleted) == count - running);
        gate.Open();
        return await Task.WhenAll(calls);
    }

    [Fact]
    public async Task Reserved_concurrency_throttles_beyond_the_reservation_with_lambdas_429()
    {
        var gate = new GatedHandlerFactory();
        await using var rt = await StartGatedAsync(gate);
        using var put = await rt.PutJsonAsync("/2017-10-31/functions/gated/concurrency", "{\"ReservedConcurrentExecutions\":2}");
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(2, (await HttpAssert.JsonAsync(put)).GetProperty("ReservedConcurrentExecutions").GetInt32());

        var responses = await InvokeGatedAsync(rt, gate, 3, running: 2);
        try
        {
            Assert.Equal(2, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
            var throttled = Assert.Single(responses, r => (int)r.StatusCode == 429);
            var error = await HttpAssert.ErrorAsync(throttled, 429, "TooManyRequestsException");
            Assert.Equal("ReservedFunctionConcurrentInvocationLimitExceeded", error.GetProperty("Reason").GetString());
            Assert.Equal("Rate Exceeded.", error.GetProperty("message").GetString());
            Assert.Equal("User", error.GetProperty("Type").GetString());
            Assert.True(int.Parse(HttpAssert.Header(throttled, "Retry-After"), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        }
        finally
        {
            foreach (var r in responses)
            {
                r.Dispose();
            }
        }

        Assert.Equal(2, rt.Engine.GetMaxObservedInFlight("gated"));
    }

    [Fact]
    public async Task Reserved_zero_throttles_every_call()
    {
        await using var rt = await TestRuntime.StartAsync();
        using (await rt.PutJsonAsync("/2017-10-31/functions/hello/concurrency", "{\"ReservedConcurrentExecutions\":0}"))
        {
        }

        using var response = await rt.InvokeAsync("hello", "{}");
        var error = await HttpAssert.ErrorAsync(response, 429, "TooManyRequestsException");
        Assert.Equal("ReservedFunctionConcurrentInvocationLimitExceeded", error.GetProperty("Reason").GetString());
    }

    [Fact]
    public async Task The_account_limit_throttles_functions_without_reservation()
    {
        var gate = new GatedHandlerFactory();
        await using var rt = await StartGatedAsync(gate, o =>
        {
            o.AccountConcurrency = 4;
            o.UnreservedConcurrencyFloor = 1;
        });
        // Reserving 2 for "slow" leaves 2 for everyone else.
        using (var put = await rt.PutJsonAsync("/2017-10-31/functions/slow/concurrency", "{\"ReservedConcurrentExecutions\":2}"))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var responses = await InvokeGatedAsync(rt, gate, 3, running: 2);
        try
        {
            Assert.Equal(2, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
            var throttled = Assert.Single(responses, r => (int)r.StatusCode == 429);
            var error = await HttpAssert.ErrorAsync(throttled, 429, "TooManyRequestsException");
            Assert.Equal("ConcurrentInvocationLimitExceeded", error.GetProperty("Reason").GetString());
            Assert.NotNull(HttpAssert.OptionalHeader(throttled, "Retry-After"));
        }
        finally
        {
            foreach (var r in responses)
            {
                r.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_reservation_that_would_break_the_unreserved_floor_is_refused_and_changes_nothing()
    {
        await using var rt = await TestRuntime.StartAsync();
        using (var ok = await rt.PutJsonAsync("/2017-10-31/functions/hello/concurrency", "{\"ReservedConcurrentExecutions\":500}"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var refused = await rt.PutJsonAsync("/2017-10-31/functions/slow/concurrency", "{\"ReservedConcurrentExecutions\":401}");
        var error = await HttpAssert.ErrorAsync(refused, 400, "InvalidParameterValueException");
        Assert.Equal("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].", HttpAssert.Message(error));

        using var get = await rt.Http.GetAsync("/2019-09-30/functions/slow/concurrency");
        Assert.False((await HttpAssert.JsonAsync(get)).TryGetProperty("ReservedConcurrentExecutions", out _));
        using var settings = await rt.Http.GetAsync("/2016-08-19/account-settings/");
        Assert.Equal(500, (await HttpAssert.JsonAsync(settings)).GetProperty("AccountLimit").GetProperty("UnreservedConcurrentExecutions").GetInt32());

        using (var exact = await rt.PutJsonAsync("/2017-10-31/functions/slow/concurrency", "{\"ReservedConcurrentExecutions\":400}"))
        {
            Assert.Equal(HttpStatusCode.OK, exact.StatusCode);
        }
    }

    [Theory]
    [InlineData("/2017-10-31/functions/hello/concurrency", "{\"ReservedConcurrentExecutions\":-1}", "reservedConcurrentExecutions")]
    [InlineData("/2017-10-31/functions/hello/concurrency", "{\"ReservedConcurrentExecutions\":1000000}", "UnreservedConcurrentExecution")]
    [InlineData("/2017-10-31/functions/hello/concurrency", "{}", "reservedConcurrentExecutions")]
    [InlineData("/2019-09-30/functions/hello/provisioned-concurrency?Qualifier=live", "{\"ProvisionedConcurrentExecutions\":0}", "provisionedConcurrentExecutions")]
    [InlineData("/2019-09-30/functions/hello/provisioned-concurrency?Qualifier=live", "{\"ProvisionedConcurrentExecutions\":-3}", "provisionedConcurrentExecutions")]
    [InlineData("/2019-09-30/functions/hello/provisioned-concurrency?Qualifier=live", "{\"ProvisionedConcurrentExecutions\":5000}", "unreserved concurrency")]
    [InlineData("/2019-09-30/functions/hello/provisioned-concurrency?Qualifier=$LATEST", "{\"ProvisionedConcurrentExecutions\":1}", "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")]
    [InlineData("/2019-09-30/functions/hello/provisioned-concurrency", "{\"ProvisionedConcurrentExecutions\":1}", "qualifier")]
    public async Task Bad_concurrency_values_are_400_invalid_parameter(string path, string body, string messagePart)
    {
        await using var rt = await TestRuntime.StartAsync();
        using var response = await rt.PutJsonAsync(path, body);
        var error = await HttpAssert.ErrorAsync(response, 400, "InvalidParameterValueException");
        Assert.Contains(messagePart, HttpAssert.Message(error), StringComparison.Ordinal);
        Assert.Empty(rt.Engine.GetFunctionSnapshot("hello").ProvisionedConcurrency);
        Assert.Null(rt.Engine.GetFunctionSnapshot("hello").ReservedConcurrency);
    }

    [Theory]
    [InlineData("/2017-10-31/functions/hello/concurrency", "{\"ReservedConcurrentExecutions\":\"ten\"}", "ReservedConcurrentExecutions")]
    [InlineData("/2017-10-31/functions/hello/concurrency", "{\"ReservedConcurrentExecutions\":", "ReservedConcurrentExecutions")]
    [InlineData("/2019-09-30/functions/hello/provisioned-concurrency?Qualifier=live", "{\"ProvisionedConcurrentExecutions\":1.5}", "ProvisionedConcurrentExecutions")]
    public async Task Malformed_put_bodies_are_400_naming_the_field(string path, string body, string field)
    {
        await using var rt = await TestRuntime.StartAsync();
        using var response = await rt.PutJsonAsync(path, body);
        var error = await HttpAssert.ErrorAsync(response, 400, "InvalidRequestContentException");
        Assert.Contains(field, HttpAssert.Message(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Provisioned_concurrency_above_the_reservation_is_refused()
    {
        await using var rt = await TestRuntime.StartAsync();
        using (await rt.PutJsonAsync("/2017-10-31/functions/hello/concurrency", "{\"ReservedConcurrentExecutions\":2}"))
        {
        }

        using var refused = await rt.PutJsonAsync("/2019-09-30/functions/hello/provisioned-concurrency?Qualifier=live", "{\"ProvisionedConcurrentExecutions\":3}");
        await HttpAssert.ErrorAsync(refused, 400, "InvalidParameterValueException");
        using var ok = await rt.PutJsonAsync("/2019-09-30/functions/hello/provisioned-concurrency?Qualifier=live", "{\"ProvisionedConcurrentExecutions\":2}");
        Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        // Lowering the reservation below what is provisioned would break the invariant.
        using var lower = await rt.PutJsonAsync("/2017-10-31/functions/hello/concurrency", "{\"ReservedConcurrentExecutions\":1}");
        await HttpAssert.ErrorAsync(lower, 400, "InvalidParameterValueException");
    }

    [Fact]
    public async Task Provisioned_concurrency_goes_ready_and_spills_over_to_on_demand()
    {
        var observer = new RecordingObserver();
        var gate = new GatedHandlerFactory();
        await using var rt = await StartGatedAsync(gate, o => o.ProvisioningDelay = TimeSpan.FromMilliseconds(300), observer);
        using (var put = await rt.PutJsonAsync("/2019-09-30/functions/gated/provisioned-concurrency?Qualifier=live", "{\"ProvisionedConcurrentExecutions\":2}"))
        {
            Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);
            var body = await HttpAssert.JsonAsync(put);
            Assert.Equal("IN_PROGRESS", body.GetProperty("Status").GetString());
            Assert.Equal(2, body.GetProperty("RequestedProvisionedConcurrentExecutions").GetInt32());
            Assert.Equal(0, body.GetProperty("AllocatedProvisionedConcurrentExecutions").GetInt32());
        }

        string status;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do
        {
            await Task.Delay(50);
            using var get = await rt.Http.GetAsync("/2019-09-30/functions/gated/provisioned-concurrency?Qualifier=live");
            var body = await HttpAssert.JsonAsync(get);
            status = body.GetProperty("Status").GetString()!;
            if (status == "READY")
            {
                Assert.Equal(2, body.GetProperty("AvailableProvisionedConcurrentExecutions").GetInt32());
                Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$", body.GetProperty("LastModified").GetString()!);
            }
        }
        while (status != "READY" && DateTime.UtcNow < deadline);
        Assert.Equal("READY", status);

        var responses = await InvokeGatedAsync(rt, gate, 3, running: 3, "live");
        foreach (var r in responses)
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            r.Dispose();
        }

        var seen = await observer.WaitForAsync(e => e.FunctionName == "gated", 3);
        Assert.Equal(2, seen.Count(e => e.Provisioned && e.Start == Core.Observations.InvocationStart.Warm));
        var spilled = Assert.Single(seen, e => !e.Provisioned);
        Assert.Equal(Core.Observations.InvocationStart.Cold, spilled.Start);
        Assert.Equal("1", spilled.ExecutedVersion);

        // Invoking the version directly does not use the alias's provisioned environments.
        using (await rt.InvokeAsync("gated", "{}", "1"))
        {
        }

        var direct = await observer.WaitForAsync(e => e.FunctionName == "gated" && e.Qualifier == "1", 1);
        Assert.False(direct[0].Provisioned);

        using var list = await rt.Http.GetAsync("/2019-09-30/functions/gated/provisioned-concurrency?List=ALL");
        var item = Assert.Single((await HttpAssert.JsonAsync(list)).GetProperty("ProvisionedConcurrencyConfigs").EnumerateArray());
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:gated:live", item.GetProperty("FunctionArn").GetString());

        using var delete = await rt.Http.DeleteAsync("/2019-09-30/functions/gated/provisioned-concurrency?Qualifier=live");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.DoesNotContain(rt.Engine.GetFunctionSnapshot("gated").Environments, e => e.Provisioned);
        using var gone = await rt.Http.GetAsync("/2019-09-30/functions/gated/provisioned-concurrency?Qualifier=live");
        await HttpAssert.ErrorAsync(gone, 404, "ProvisionedConcurrencyConfigNotFoundException");
    }

    [Fact]
    public async Task Provisioned_invocations_count_within_the_reservation()
    {
        var gate = new GatedHandlerFactory();
        await using var rt = await StartGatedAsync(gate, o => o.ProvisioningDelay = TimeSpan.Zero);
        using (await rt.PutJsonAsync("/2017-10-31/functions/gated/concurrency", "{\"ReservedConcurrentExecutions\":1}"))
        {
        }

        using (var put = await rt.PutJsonAsync("/2019-09-30/functions/gated/provisioned-concurrency?Qualifier=live", "{\"ProvisionedConcurrentExecutions\":1}"))
        {
            Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);
        }

        await EnvironmentLifecycleTests.WaitUntilAsync(() => rt.Engine.GetProvisionedConcurrencyConfig("gated", "live").Status == "READY");
        var responses = await InvokeGatedAsync(rt, gate, 2, running: 1, "live");
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Single(responses, r => (int)r.StatusCode == 429);
        foreach (var r in responses)
        {
            r.Dispose();
        }
    }

    [Fact]
    public async Task Provisioned_concurrency_of_unknown_qualifiers_and_missing_configs_are_404()
    {
        await using var rt = await TestRuntime.StartAsync();
        using var unknownAlias = await rt.PutJsonAsync("/2019-09-30/functions/hello/provisioned-concurrency?Qualifier=nope", "{\"ProvisionedConcurrentExecutions\":1}");
        await HttpAssert.ErrorAsync(unknownAlias, 404, "ResourceNotFoundException");
        using var missing = await rt.Http.GetAsync("/2019-09-30/functions/hello/provisioned-concurrency?Qualifier=live");
        var error = await HttpAssert.ErrorAsync(missing, 404, "ProvisionedConcurrencyConfigNotFoundException");
        Assert.Equal("User", error.GetProperty("Type").GetString());
        using var deleteMissing = await rt.Http.DeleteAsync("/2019-09-30/functions/hello/provisioned-concurrency?Qualifier=live");
        await HttpAssert.ErrorAsync(deleteMissing, 404, "ProvisionedConcurrencyConfigNotFoundException");
    }
}
