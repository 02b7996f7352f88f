using System.Text;
using System.Text.Json;
using WarmKeeper.LocalRuntime.Hosting;
using WarmKeeper.LocalRuntime.Tests.Engine;
using WarmKeeper.Testing;

namespace WarmKeeper.LocalRuntime.Tests.Hosting;

/// <summary>
/// The AWS CLI against the local runtime: every answer must parse (exit code 0, JSON output), as
/// the CLI validates response shapes and timestamps.
/// </summary>
public sealed class AwsCliTests
{
    private static async Task<JsonElement> RunJsonAsync(AwsCli cli, TestRuntime rt, params string[] args)
    {
        var result = await cli.RunAsync(rt.Server.BaseAddress, ["lambda", .. args, "--output", "json"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = JsonDocument.Parse(result.StandardOutput);
        return doc.RootElement.Clone();
    }

    [SkippableFact]
    public async Task List_functions_pages_through_everything()
    {
        var cli = AwsCli.Require();
        await using var rt = await TestRuntime.StartAsync(o =>
        {
            for (var i = 0; i < 5; i++)
            {
                o.Functions["extra" + i] = new LocalFunctionOptions();
            }
        });

        var all = await RunJsonAsync(cli, rt, "list-functions", "--page-size", "2");
        var names = all.GetProperty("Functions").EnumerateArray().Select(f => f.GetProperty("FunctionName").GetString()!).ToList();
        Assert.Equal(["extra0", "extra1", "extra2", "extra3", "extra4", "hello", "slow"], names);
        Assert.All(all.GetProperty("Functions").EnumerateArray(), f => Assert.Equal("$LATEST", f.GetProperty("Version").GetString()));

        var withVersions = await RunJsonAsync(cli, rt, "list-functions", "--function-version", "ALL");
        Assert.Equal(7 + 3, withVersions.GetProperty("Functions").GetArrayLength());
    }

    [SkippableFact]
    public async Task Invoke_returns_the_payload_and_tail_log_reports_init_only_on_the_cold_start()
    {
        var cli = AwsCli.Require();
        await using var rt = await TestRuntime.StartAsync();
        var outFile = Path.Combine(Path.GetTempPath(), "wk-cli-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            var first = await RunJsonAsync(cli, rt, "invoke", "--function-name", "hello", "--cli-binary-format", "raw-in-base64-out",
                "--payload", "{\"greeting\":\"hi\"}", "--log-type", "Tail", outFile);
            Assert.Equal(200, first.GetProperty("StatusCode").GetInt32());
            Assert.Equal("$LATEST", first.GetProperty("ExecutedVersion").GetString());
            using (var payload = JsonDocument.Parse(await File.ReadAllTextAsync(outFile)))
            {
                Assert.Equal("hi", payload.RootElement.GetProperty("greeting").GetString());
            }

            var firstLog = Encoding.UTF8.GetString(Convert.FromBase64String(first.GetProperty("LogResult").GetString()!));
            Assert.Matches(@"REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t", firstLog);

            var second = await RunJsonAsync(cli, rt, "invoke", "--function-name", "hello", "--cli-binary-format", "raw-in-base64-out",
                "--payload", "{}", "--log-type", "Tail", outFile);
            var secondLog = Encoding.UTF8.GetString(Convert.FromBase64String(second.GetProperty("LogResult").GetString()!));
            Assert.Contains("REPORT RequestId: ", secondLog, StringComparison.Ordinal);
            Assert.DoesNotContain("Init Duration", secondLog, StringComparison.Ordinal);

            var viaAlias = await RunJsonAsync(cli, rt, "invoke", "--function-name", "hello", "--qualifier", "live", "--cli-binary-format", "raw-in-base64-out",
                "--payload", "{}", outFile);
            Assert.Equal("2", viaAlias.GetProperty("ExecutedVersion").GetString());
        }
        finally
        {
            File.Delete(outFile);
        }
    }

    [SkippableFact]
    public async Task Provisioned_concurrency_goes_from_in_progress_to_ready_and_latest_is_refused()
    {
        var cli = AwsCli.Require();
        // Fake time holds the config IN_PROGRESS for as long as the (slow to start) CLI needs.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var rt = await TestRuntime.StartAsync(
            o =>
            {
                o.ProvisioningDelay = TimeSpan.FromSeconds(5);
                o.Functions["hello"].InitDuration = TimeSpan.Zero;
            },
            new LocalRuntimeServerDependencies { TimeProvider = time });

        var put = await RunJsonAsync(cli, rt, "put-provisioned-concurrency-config", "--function-name", "hello", "--qualifier", "live",
            "--provisioned-concurrent-executions", "2");
        Assert.Equal("IN_PROGRESS", put.GetProperty("Status").GetString());
        Assert.Equal(2, put.GetProperty("RequestedProvisionedConcurrentExecutions").GetInt32());

        var inProgress = await RunJsonAsync(cli, rt, "get-provisioned-concurrency-config", "--function-name", "hello", "--qualifier", "live");
        Assert.Equal("IN_PROGRESS", inProgress.GetProperty("Status").GetString());
        Assert.Equal(0, inProgress.GetProperty("AllocatedProvisionedConcurrentExecutions").GetInt32());
        time.Advance(TimeSpan.FromSeconds(5));

        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonElement ready;
        do
        {
            await Task.Delay(300);
            ready = await RunJsonAsync(cli, rt, "get-provisioned-concurrency-config", "--function-name", "hello", "--qualifier", "live");
        }
        while (ready.GetProperty("Status").GetString() != "READY" && DateTime.UtcNow < deadline);
        Assert.Equal("READY", ready.GetProperty("Status").GetString());
        Assert.Equal(2, ready.GetProperty("AvailableProvisionedConcurrentExecutions").GetInt32());

        var list = await RunJsonAsync(cli, rt, "list-provisioned-concurrency-configs", "--function-name", "hello");
        var item = Assert.Single(list.GetProperty("ProvisionedConcurrencyConfigs").EnumerateArray());
        Assert.EndsWith(":function:hello:live", item.GetProperty("FunctionArn").GetString(), StringComparison.Ordinal);

        var latest = await cli.RunAsync(rt.Server.BaseAddress, ["lambda", "put-provisioned-concurrency-config", "--function-name", "hello",
            "--qualifier", "$LATEST", "--provisioned-concurrent-executions", "1"]);
        Assert.NotEqual(0, latest.ExitCode);
        Assert.Contains("InvalidParameterValueException", latest.StandardError, StringComparison.Ordinal);
        Assert.Contains("cannot be applied to unpublished function versions", latest.StandardError, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Reserved_concurrency_of_one_throttles_the_second_concurrent_invoke()
    {
        var cli = AwsCli.Require();
        var gate = new GatedHandlerFactory();
        await using var rt = await TestRuntime.StartAsync(o => o.Functions["gated"] = GatedHandlerFactory.Function(),
            new LocalRuntimeServerDependencies { ProcessFunctions = gate });

        var put = await RunJsonAsync(cli, rt, "put-function-concurrency", "--function-name", "gated", "--reserved-concurrent-executions", "1");
        Assert.Equal(1, put.GetProperty("ReservedConcurrentExecutions").GetInt32());
        var get = await RunJsonAsync(cli, rt, "get-function-concurrency", "--function-name", "gated");
        Assert.Equal(1, get.GetProperty("ReservedConcurrentExecutions").GetInt32());

        var noRetries = new Dictionary<string, string> { ["AWS_MAX_ATTEMPTS"] = "1", ["AWS_RETRY_MODE"] = "standard" };
        var outA = Path.Combine(Path.GetTempPath(), "wk-cli-a-" + Guid.NewGuid().ToString("N"));
        var outB = Path.Combine(Path.GetTempPath(), "wk-cli-b-" + Guid.NewGuid().ToString("N"));
        try
        {
            // The first call holds the only slot (the gated handler waits) until the second was throttled.
            var a = cli.RunAsync(rt.Server.BaseAddress, ["lambda", "invoke", "--function-name", "gated", outA], noRetries);
            await EnvironmentLifecycleTests.WaitUntilAsync(() => rt.Engine.GetInFlight("gated") == 1, 60_000);

            // --debug prints the response body, where the throttle's Reason is (the error line omits it).
            var b = await cli.RunAsync(rt.Server.BaseAddress, ["--debug", "lambda", "invoke", "--function-name", "gated", outB], noRetries);
            gate.Open();
            var first = await a;
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.NotEqual(0, b.ExitCode);
            Assert.Contains("TooManyRequestsException", b.StandardError, StringComparison.Ordinal);
            Assert.Contains("ReservedFunctionConcurrentInvocationLimitExceeded", b.StandardError + b.StandardOutput, StringComparison.Ordinal);
            Assert.Equal(1, rt.Engine.GetMaxObservedInFlight("gated"));
        }
        finally
        {
            gate.Open();
            File.Delete(outA);
            File.Delete(outB);
        }
    }

    [SkippableFact]
    public async Task Account_settings_function_versions_and_aliases_parse()
    {
        var cli = AwsCli.Require();
        await using var rt = await TestRuntime.StartAsync();
        await RunJsonAsync(cli, rt, "put-function-concurrency", "--function-name", "hello", "--reserved-concurrent-executions", "10");

        var settings = await RunJsonAsync(cli, rt, "get-account-settings");
        Assert.Equal(1000, settings.GetProperty("AccountLimit").GetProperty("ConcurrentExecutions").GetInt32());
        Assert.Equal(990, settings.GetProperty("AccountLimit").GetProperty("UnreservedConcurrentExecutions").GetInt32());
        Assert.Equal(2, settings.GetProperty("AccountUsage").GetProperty("FunctionCount").GetInt32());

        var function = await RunJsonAsync(cli, rt, "get-function", "--function-name", "hello");
        Assert.Equal("hello", function.GetProperty("Configuration").GetProperty("FunctionName").GetString());
        Assert.Equal(10, function.GetProperty("Concurrency").GetProperty("ReservedConcurrentExecutions").GetInt32());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$", function.GetProperty("Configuration").GetProperty("LastModified").GetString()!);

        var qualified = await RunJsonAsync(cli, rt, "get-function", "--function-name", "hello", "--qualifier", "old");
        Assert.Equal("1", qualified.GetProperty("Configuration").GetProperty("Version").GetString());

        var versions = await RunJsonAsync(cli, rt, "list-versions-by-function", "--function-name", "hello");
        Assert.Equal(["$LATEST", "1", "2"], versions.GetProperty("Versions").EnumerateArray().Select(v => v.GetProperty("Version").GetString()!).ToArray());

        var aliases = await RunJsonAsync(cli, rt, "list-aliases", "--function-name", "hello");
        Assert.Equal(["live", "old"], aliases.GetProperty("Aliases").EnumerateArray().Select(v => v.GetProperty("Name").GetString()!).ToArray());

        var alias = await RunJsonAsync(cli, rt, "get-alias", "--function-name", "hello", "--name", "live");
        Assert.Equal("2", alias.GetProperty("FunctionVersion").GetString());

        var missing = await cli.RunAsync(rt.Server.BaseAddress, ["lambda", "get-function", "--function-name", "nope"]);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("ResourceNotFoundException", missing.StandardError, StringComparison.Ordinal);
        Assert.Contains("Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope", missing.StandardError, StringComparison.Ordinal);

        var deleted = await cli.RunAsync(rt.Server.BaseAddress, ["lambda", "delete-function-concurrency", "--function-name", "hello"]);
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        var after = await RunJsonAsync(cli, rt, "get-account-settings");
        Assert.Equal(1000, after.GetProperty("AccountLimit").GetProperty("UnreservedConcurrentExecutions").GetInt32());
    }
}
