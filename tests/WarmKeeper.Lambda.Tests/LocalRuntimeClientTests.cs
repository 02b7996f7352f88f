using System.Net;
using System.Text;
using System.Text.Json;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Lambda.Tests;

/// <summary>Every client operation against the real local runtime over HTTP, signed and verified.</summary>
public sealed class LocalRuntimeClientTests(SignedLocalRuntime runtime) : IClassFixture<SignedLocalRuntime>
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly LambdaControlPlane _lambda = runtime.Lambda;

    [Fact]
    public async Task Invoke_returns_the_payload_and_the_executed_version()
    {
        var payload = """{"greeting":"hi"}"""u8.ToArray();

        var result = await _lambda.InvokeAsync(new InvokeRequest { FunctionName = "hello", Qualifier = "live", Payload = payload }, None);

        Assert.Equal(200, result.StatusCode);
        Assert.Equal(payload, result.Payload.ToArray());
        Assert.Equal("2", result.ExecutedVersion);
        Assert.Null(result.FunctionError);
        Assert.False(string.IsNullOrEmpty(result.RequestId));
        Assert.Null(result.Log);
        Assert.Equal(1, result.Attempts);
    }

    [Fact]
    public async Task Invoke_by_arn_resolves_the_function()
    {
        var result = await _lambda.InvokeAsync(
            new InvokeRequest { FunctionName = "arn:aws:lambda:us-east-1:000000000000:function:hello", Qualifier = "1", Payload = "{}"u8.ToArray() }, None);

        Assert.Equal("1", result.ExecutedVersion);
    }

    [Fact]
    public async Task Tail_log_carries_a_report_with_init_duration_on_the_cold_start_only()
    {
        var request = new InvokeRequest { FunctionName = "reporting", Qualifier = "old", Payload = "{}"u8.ToArray(), TailLog = true };

        var cold = await _lambda.InvokeAsync(request, None);
        var warm = await _lambda.InvokeAsync(request, None);

        Assert.Contains("REPORT RequestId: " + cold.RequestId, cold.Log, StringComparison.Ordinal);
        Assert.NotNull(cold.Report);
        Assert.True(cold.Report.IsColdStart);
        Assert.True(cold.Report.InitDuration >= TimeSpan.FromMilliseconds(25), $"init {cold.Report.InitDuration}");
        Assert.Equal(128, cold.Report.MemorySizeMb);
        Assert.True(cold.Report.BilledDuration >= cold.Report.Duration - TimeSpan.FromMilliseconds(1));
        Assert.NotNull(warm.Report);
        Assert.False(warm.Report.IsColdStart);
        Assert.Equal(warm.RequestId, warm.Report.RequestId);
    }

    [Fact]
    public async Task Event_is_accepted_with_202_and_dry_run_answers_204()
    {
        var queued = await _lambda.InvokeAsync(
            new InvokeRequest { FunctionName = "hello", InvocationType = LambdaInvocationType.Event, Payload = "{}"u8.ToArray() }, None);
        var dryRun = await _lambda.InvokeAsync(
            new InvokeRequest { FunctionName = "hello", InvocationType = LambdaInvocationType.DryRun }, None);

        Assert.Equal(202, queued.StatusCode);
        Assert.True(queued.Payload.IsEmpty);
        Assert.Equal(204, dryRun.StatusCode);
    }

    [Fact]
    public async Task A_function_error_is_a_result_not_an_exception()
    {
        var result = await _lambda.InvokeAsync(new InvokeRequest { FunctionName = "broken", Payload = "{}"u8.ToArray() }, None);

        Assert.Equal(200, result.StatusCode);
        Assert.Equal("Unhandled", result.FunctionError);
        Assert.True(result.IsFunctionError);
        using var error = JsonDocument.Parse(result.Payload);
        Assert.True(error.RootElement.TryGetProperty("errorMessage", out _), Encoding.UTF8.GetString(result.Payload.Span));
    }

    [Fact]
    public async Task Unknown_function_and_unknown_qualifier_are_resource_not_found()
    {
        var noFunction = await Assert.ThrowsAsync<LambdaResourceNotFoundException>(() =>
            _lambda.InvokeAsync(new InvokeRequest { FunctionName = "nope", Payload = "{}"u8.ToArray() }, None));
        var noQualifier = await Assert.ThrowsAsync<LambdaResourceNotFoundException>(() =>
            _lambda.InvokeAsync(new InvokeRequest { FunctionName = "hello", Qualifier = "99", Payload = "{}"u8.ToArray() }, None));
        var noFunctionToGet = await Assert.ThrowsAsync<LambdaResourceNotFoundException>(() => _lambda.GetFunctionAsync("nope", null, None));

        Assert.Equal(HttpStatusCode.NotFound, noFunction.StatusCode);
        Assert.Equal(LambdaErrorTypes.ResourceNotFound, noFunction.ErrorType);
        Assert.Contains("nope", noFunction.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(noFunction.RequestId));
        Assert.Equal(HttpStatusCode.NotFound, noQualifier.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noFunctionToGet.StatusCode);
    }

    [Fact]
    public async Task A_payload_that_is_not_json_is_invalid_request_content()
    {
        var error = await Assert.ThrowsAsync<LambdaInvalidRequestContentException>(() =>
            _lambda.InvokeAsync(new InvokeRequest { FunctionName = "hello", Payload = "{not json"u8.ToArray() }, None));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal(LambdaErrorTypes.InvalidRequestContent, error.ErrorType);
        Assert.StartsWith("Could not parse request body into json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_payload_is_request_too_large()
    {
        var payload = new byte[6 * 1024 * 1024 + 16];
        payload.AsSpan().Fill((byte)' ');
        payload[0] = (byte)'{';
        payload[^1] = (byte)'}';

        var error = await Assert.ThrowsAsync<LambdaRequestTooLargeException>(() =>
            _lambda.InvokeAsync(new InvokeRequest { FunctionName = "hello", Payload = payload }, None));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, error.StatusCode);
        Assert.Contains("Request must be smaller than", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_throttle_carries_its_reason_and_retry_after_and_is_not_retried_when_asked()
    {
        await _lambda.PutFunctionConcurrencyAsync("throttled", 0, None);
        try
        {
            var error = await Assert.ThrowsAsync<LambdaThrottledException>(() => _lambda.InvokeAsync(
                new InvokeRequest { FunctionName = "throttled", Payload = "{}"u8.ToArray(), RetryIfNotRun = false }, None));

            Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
            Assert.Equal(LambdaErrorTypes.TooManyRequests, error.ErrorType);
            Assert.Equal(ThrottleReasons.ReservedFunctionConcurrentInvocationLimitExceeded, error.Reason);
            Assert.NotNull(error.RetryAfter);
            Assert.True(error.RetryAfter > TimeSpan.Zero);
        }
        finally
        {
            await _lambda.DeleteFunctionConcurrencyAsync("throttled", None);
        }
    }

    [Fact]
    public async Task Reserved_concurrency_is_set_read_and_removed()
    {
        var put = await _lambda.PutFunctionConcurrencyAsync("reserved", 5, None);
        var read = await _lambda.GetFunctionConcurrencyAsync("reserved", None);
        var function = await _lambda.GetFunctionAsync("reserved", null, None);
        var account = await _lambda.GetAccountSettingsAsync(None);
        await _lambda.DeleteFunctionConcurrencyAsync("reserved", None);
        var afterDelete = await _lambda.GetFunctionConcurrencyAsync("reserved", None);

        Assert.Equal(5, put.ReservedConcurrentExecutions);
        Assert.Equal(5, read.ReservedConcurrentExecutions);
        Assert.Equal(5, function.Concurrency?.ReservedConcurrentExecutions);
        Assert.True(account.AccountLimit.UnreservedConcurrentExecutions <= account.AccountLimit.ConcurrentExecutions - 5);
        Assert.Null(afterDelete.ReservedConcurrentExecutions);
    }

    [Fact]
    public async Task Invalid_reserved_concurrency_values_are_invalid_parameters()
    {
        var negative = await Assert.ThrowsAsync<LambdaInvalidParameterException>(() => _lambda.PutFunctionConcurrencyAsync("reserved", -1, None));
        var belowFloor = await Assert.ThrowsAsync<LambdaInvalidParameterException>(() => _lambda.PutFunctionConcurrencyAsync("reserved", 1000, None));

        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Equal(LambdaErrorTypes.InvalidParameterValue, negative.ErrorType);
        Assert.Contains("reservedConcurrentExecutions", negative.Message, StringComparison.Ordinal);
        Assert.Contains("UnreservedConcurrentExecution below its minimum", belowFloor.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Provisioned_concurrency_goes_from_in_progress_to_ready_and_is_listed_and_deleted()
    {
        var put = await _lambda.PutProvisionedConcurrencyConfigAsync("provisioned", "live", 2, None);
        Assert.Equal(ProvisionedConcurrencyStatus.InProgress, put.Status);
        Assert.Equal(2, put.RequestedProvisionedConcurrentExecutions);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        ProvisionedConcurrencyConfig config;
        do
        {
            config = await _lambda.GetProvisionedConcurrencyConfigAsync("provisioned", "live", None);
            if (config.Status == ProvisionedConcurrencyStatus.Ready)
            {
                break;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Equal(ProvisionedConcurrencyStatus.Ready, config.Status);
        Assert.Equal(2, config.AvailableProvisionedConcurrentExecutions);

        var listed = new List<ProvisionedConcurrencyConfigListItem>();
        await foreach (var item in _lambda.ListAllProvisionedConcurrencyConfigsAsync("provisioned", cancellationToken: None))
        {
            listed.Add(item);
        }

        var only = Assert.Single(listed);
        Assert.EndsWith(":provisioned:live", only.FunctionArn, StringComparison.Ordinal);

        await _lambda.DeleteProvisionedConcurrencyConfigAsync("provisioned", "live", None);
        var gone = await Assert.ThrowsAsync<ProvisionedConcurrencyConfigNotFoundException>(() =>
            _lambda.GetProvisionedConcurrencyConfigAsync("provisioned", "live", None));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Provisioned_concurrency_refuses_latest_zero_and_answers_not_found_without_a_config()
    {
        var latest = await Assert.ThrowsAsync<LambdaInvalidParameterException>(() =>
            _lambda.PutProvisionedConcurrencyConfigAsync("hello", "$LATEST", 1, None));
        var zero = await Assert.ThrowsAsync<LambdaInvalidParameterException>(() =>
            _lambda.PutProvisionedConcurrencyConfigAsync("hello", "1", 0, None));
        var missing = await Assert.ThrowsAsync<ProvisionedConcurrencyConfigNotFoundException>(() =>
            _lambda.GetProvisionedConcurrencyConfigAsync("hello", "old", None));

        Assert.Contains("unpublished function versions", latest.Message, StringComparison.Ordinal);
        Assert.Contains("provisionedConcurrentExecutions", zero.Message, StringComparison.Ordinal);
        Assert.Equal(LambdaErrorTypes.ProvisionedConcurrencyConfigNotFound, missing.ErrorType);
    }

    [Fact]
    public async Task Account_settings_report_the_limit_and_the_unreserved_pool()
    {
        var settings = await _lambda.GetAccountSettingsAsync(None);

        Assert.Equal(1000, settings.AccountLimit.ConcurrentExecutions);
        Assert.InRange(settings.AccountLimit.UnreservedConcurrentExecutions, 100, 1000);
        Assert.Equal(runtime.Server.Engine.Functions.Count, settings.AccountUsage.FunctionCount);
    }

    [Fact]
    public async Task Listing_functions_follows_next_marker_across_pages()
    {
        var first = await _lambda.ListFunctionsAsync(null, 2, None);
        var all = new List<string>();
        await foreach (var function in _lambda.ListAllFunctionsAsync(pageSize: 2, cancellationToken: None))
        {
            all.Add(function.FunctionName);
        }

        Assert.Equal(2, first.Functions.Count);
        Assert.False(string.IsNullOrEmpty(first.NextMarker));
        Assert.Equal(runtime.Server.Engine.Functions.Count, all.Count);
        Assert.Equal(all.Count, all.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(SignedLocalRuntime.PagedFunctionCount, all.Count(n => n.StartsWith("paged-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Versions_and_aliases_are_listed_with_paging_and_filtering()
    {
        var versions = new List<string>();
        await foreach (var version in _lambda.ListAllVersionsByFunctionAsync("hello", pageSize: 1, cancellationToken: None))
        {
            versions.Add(version.Version);
        }

        var aliases = await _lambda.ListAliasesAsync("hello", null, null, null, None);
        var aliasesOfOne = new List<AliasConfiguration>();
        await foreach (var alias in _lambda.ListAllAliasesAsync("hello", functionVersion: "1", pageSize: 1, cancellationToken: None))
        {
            aliasesOfOne.Add(alias);
        }

        Assert.Equal(["$LATEST", "1", "2"], versions);
        Assert.Equal(
            [("live", "2"), ("old", "1")],
            aliases.Aliases.Select(a => (a.Name, a.FunctionVersion)).OrderBy(a => a.Name, StringComparer.Ordinal));
        Assert.Equal("old", Assert.Single(aliasesOfOne).Name);
    }

    [Fact]
    public async Task Get_function_resolves_a_qualifier()
    {
        var latest = await _lambda.GetFunctionAsync("hello", null, None);
        var one = await _lambda.GetFunctionAsync("hello", "1", None);

        Assert.Equal("hello", latest.Configuration.FunctionName);
        Assert.Equal("$LATEST", latest.Configuration.Version);
        Assert.Equal("1", one.Configuration.Version);
    }

    [Fact]
    public async Task The_runtime_refuses_a_client_with_the_wrong_secret()
    {
        using var impostor = LambdaControlPlane.Create(TestTargets.Options(runtime.Server.BaseAddress, o => o.SecretAccessKey = "wrong-secret"));

        var error = await Assert.ThrowsAsync<LambdaAuthenticationException>(() => impostor.ListFunctionsAsync(null, null, None));

        Assert.Equal(LambdaErrorTypes.InvalidSignature, error.ErrorType);
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
    }
}
