using System.Text.Json;
using WarmKeeper.Testing;

namespace WarmKeeper.LocalRuntime.Tests.Hosting;

/// <summary>
/// The real AWS CLI against GetFunctionConfiguration, its waiters and the tag operations: the CLI
/// checks every answer against the service model, so exit code 0 means the shape is Lambda's.
/// </summary>
public sealed class LambdaApiEndpointsAwsCliTests
{
    private const string HelloArn = "arn:aws:lambda:us-east-1:000000000000:function:hello";

    [SkippableFact]
    public async Task Get_function_configuration_by_name_alias_and_arn()
    {
        var cli = AwsCli.Require();
        await using var rt = await TestRuntime.StartAsync();

        var byName = await RunJsonAsync(cli, rt, "get-function-configuration", "--function-name", "hello");
        var byAlias = await RunJsonAsync(cli, rt, "get-function-configuration", "--function-name", "hello", "--qualifier", "live");
        var byArn = await RunJsonAsync(cli, rt, "get-function-configuration", "--function-name", HelloArn + ":old");

        Assert.Equal(HelloArn, byName.GetProperty("FunctionArn").GetString());
        Assert.Equal("$LATEST", byName.GetProperty("Version").GetString());
        Assert.Equal("Active", byName.GetProperty("State").GetString());
        Assert.Equal(HelloArn + ":live", byAlias.GetProperty("FunctionArn").GetString());
        Assert.Equal("2", byAlias.GetProperty("Version").GetString());
        Assert.Equal(HelloArn + ":old", byArn.GetProperty("FunctionArn").GetString());
        Assert.Equal("1", byArn.GetProperty("Version").GetString());
    }

    [SkippableFact]
    public async Task Get_function_configuration_of_an_unknown_function_fails_with_resource_not_found()
    {
        var cli = AwsCli.Require();
        await using var rt = await TestRuntime.StartAsync();

        var result = await cli.RunAsync(rt.Server.BaseAddress, ["lambda", "get-function-configuration", "--function-name", "nope"],
            new Dictionary<string, string> { ["AWS_MAX_ATTEMPTS"] = "1" });

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("ResourceNotFoundException", result.StandardError, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Waiters_function_active_and_function_updated_succeed()
    {
        var cli = AwsCli.Require();
        await using var rt = await TestRuntime.StartAsync();

        foreach (var waiter in new[] { "function-active", "function-updated", "function-exists" })
        {
            var result = await cli.RunAsync(rt.Server.BaseAddress, ["lambda", "wait", waiter, "--function-name", "hello"], timeout: TimeSpan.FromSeconds(90));
            Assert.True(result.ExitCode == 0, waiter + ": " + result);
        }

        var published = await cli.RunAsync(rt.Server.BaseAddress, ["lambda", "wait", "function-active", "--function-name", "hello", "--qualifier", "live"]);
        Assert.True(published.ExitCode == 0, published.ToString());
    }

    [SkippableFact]
    public async Task List_tags_tag_resource_and_untag_resource_round_trip()
    {
        var cli = AwsCli.Require();
        await using var rt = await TestRuntime.StartAsync(o => o.Functions["hello"].Tags = new(StringComparer.Ordinal) { ["team"] = "payments" });

        var configured = await RunJsonAsync(cli, rt, "list-tags", "--resource", HelloArn);
        Assert.Equal("payments", configured.GetProperty("Tags").GetProperty("team").GetString());

        var tag = await cli.RunAsync(rt.Server.BaseAddress, ["lambda", "tag-resource", "--resource", HelloArn, "--tags", "tier=gold,team=checkout"]);
        Assert.True(tag.ExitCode == 0, tag.ToString());
        var afterTag = await RunJsonAsync(cli, rt, "list-tags", "--resource", HelloArn);
        Assert.Equal("gold", afterTag.GetProperty("Tags").GetProperty("tier").GetString());
        Assert.Equal("checkout", afterTag.GetProperty("Tags").GetProperty("team").GetString());

        var untag = await cli.RunAsync(rt.Server.BaseAddress, ["lambda", "untag-resource", "--resource", HelloArn, "--tag-keys", "team", "tier"]);
        Assert.True(untag.ExitCode == 0, untag.ToString());
        var afterUntag = await RunJsonAsync(cli, rt, "list-tags", "--resource", HelloArn);
        Assert.Empty(afterUntag.GetProperty("Tags").EnumerateObject());

        var function = await RunJsonAsync(cli, rt, "get-function", "--function-name", "hello");
        Assert.False(function.TryGetProperty("Tags", out _), "GetFunction omits Tags when the function has none.");
    }

    [SkippableFact]
    public async Task Tagging_an_alias_arn_fails_with_lambdas_error()
    {
        var cli = AwsCli.Require();
        await using var rt = await TestRuntime.StartAsync();

        var result = await cli.RunAsync(rt.Server.BaseAddress, ["lambda", "tag-resource", "--resource", HelloArn + ":live", "--tags", "a=b"],
            new Dictionary<string, string> { ["AWS_MAX_ATTEMPTS"] = "1" });

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("InvalidParameterValueException", result.StandardError, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> RunJsonAsync(AwsCli cli, TestRuntime rt, params string[] args)
    {
        var result = await cli.RunAsync(rt.Server.BaseAddress, ["lambda", .. args, "--output", "json"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = JsonDocument.Parse(result.StandardOutput);
        return doc.RootElement.Clone();
    }
}
