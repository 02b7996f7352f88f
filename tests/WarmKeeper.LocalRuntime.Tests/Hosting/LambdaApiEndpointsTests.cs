using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace WarmKeeper.LocalRuntime.Tests.Hosting;

/// <summary>GetFunctionConfiguration, GetAlias and the tag operations over real HTTP, with the errors Lambda answers.</summary>
public sealed class LambdaApiEndpointsTests
{
    private const string HelloArn = "arn:aws:lambda:us-east-1:000000000000:function:hello";

    private static Task<TestRuntime> StartTaggedAsync() => TestRuntime.StartAsync(o =>
        o.Functions["hello"].Tags = new(StringComparer.Ordinal) { ["team"] = "payments", ["warmkeeper:keep-warm"] = "adaptive" });

    private static string Configuration(string name, string? qualifier = null) =>
        "/2015-03-31/functions/" + Uri.EscapeDataString(name) + "/configuration" + (qualifier is null ? string.Empty : "?Qualifier=" + Uri.EscapeDataString(qualifier));

    private static string Tags(string arn) => "/2017-03-31/tags/" + Uri.EscapeDataString(arn);

    [Theory]
    [InlineData("hello", null, "$LATEST", HelloArn)]
    [InlineData("hello", "live", "2", HelloArn + ":live")]
    [InlineData("hello:live", null, "2", HelloArn + ":live")]
    [InlineData("hello:1", null, "1", HelloArn + ":1")]
    [InlineData("000000000000:function:hello", "old", "1", HelloArn + ":old")]
    [InlineData("000000000000:function:hello:live", null, "2", HelloArn + ":live")]
    [InlineData(HelloArn, null, "$LATEST", HelloArn)]
    [InlineData(HelloArn + ":live", "live", "2", HelloArn + ":live")]
    public async Task Get_function_configuration_resolves_every_name_form(string name, string? qualifier, string version, string arn)
    {
        await using var rt = await TestRuntime.StartAsync();

        using var response = await rt.Http.GetAsync(Configuration(name, qualifier));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var doc = JsonDocument.Parse(body);
        var c = doc.RootElement;
        Assert.Equal("hello", c.GetProperty("FunctionName").GetString());
        Assert.Equal(arn, c.GetProperty("FunctionArn").GetString());
        Assert.Equal(version, c.GetProperty("Version").GetString());
        Assert.Equal("Active", c.GetProperty("State").GetString());
        Assert.Equal("Successful", c.GetProperty("LastUpdateStatus").GetString());
        Assert.Equal(128, c.GetProperty("MemorySize").GetInt32());
        Assert.False(c.TryGetProperty("Configuration", out _), "GetFunctionConfiguration answers the configuration itself, not GetFunction's wrapper.");
    }

    [Fact]
    public async Task Get_function_configuration_equals_get_functions_configuration()
    {
        await using var rt = await TestRuntime.StartAsync();

        var alone = await HttpAsJson(rt, Configuration("hello", "live"));
        var inFunction = (await HttpAsJson(rt, "/2015-03-31/functions/hello?Qualifier=live")).GetProperty("Configuration");

        Assert.Equal(inFunction.GetRawText(), alone.GetRawText());
    }

    [Theory]
    [InlineData("hello:live", "old", 400, "InvalidParameterValueException", "does not match")]
    [InlineData("hello:", null, 400, "InvalidParameterValueException", "regular expression pattern")]
    [InlineData("hel lo", null, 400, "InvalidParameterValueException", "at 'functionName'")]
    [InlineData("hello", "no/such", 400, "InvalidParameterValueException", "at 'qualifier'")]
    [InlineData("nope", null, 404, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope")]
    [InlineData("hello", "nope", 404, "ResourceNotFoundException", "hello:nope")]
    public async Task Get_function_configuration_refuses_what_lambda_refuses(string name, string? qualifier, int status, string errorType, string message)
    {
        await using var rt = await TestRuntime.StartAsync();

        using var response = await rt.Http.GetAsync(Configuration(name, qualifier));

        var error = await HttpAssert.ErrorAsync(response, status, errorType);
        Assert.Contains(message, HttpAssert.Message(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_alias_answers_the_alias_and_refuses_unknown_and_numeric_names()
    {
        await using var rt = await TestRuntime.StartAsync();

        var alias = await HttpAsJson(rt, "/2015-03-31/functions/" + Uri.EscapeDataString(HelloArn) + "/aliases/live");
        Assert.Equal(HelloArn + ":live", alias.GetProperty("AliasArn").GetString());
        Assert.Equal("live", alias.GetProperty("Name").GetString());
        Assert.Equal("2", alias.GetProperty("FunctionVersion").GetString());
        Assert.False(string.IsNullOrEmpty(alias.GetProperty("RevisionId").GetString()));

        using var unknown = await rt.Http.GetAsync("/2015-03-31/functions/hello/aliases/nope");
        Assert.Equal("Cannot find alias arn: " + HelloArn + ":nope", HttpAssert.Message(await HttpAssert.ErrorAsync(unknown, 404, "ResourceNotFoundException")));

        using var numeric = await rt.Http.GetAsync("/2015-03-31/functions/hello/aliases/2");
        Assert.Contains("at 'name'", HttpAssert.Message(await HttpAssert.ErrorAsync(numeric, 400, "InvalidParameterValueException")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_aliases_and_versions_refuse_values_outside_the_model()
    {
        await using var rt = await TestRuntime.StartAsync();

        using var badVersion = await rt.Http.GetAsync("/2015-03-31/functions/hello/aliases?FunctionVersion=live");
        Assert.Contains("at 'functionVersion'", HttpAssert.Message(await HttpAssert.ErrorAsync(badVersion, 400, "InvalidParameterValueException")), StringComparison.Ordinal);

        using var tooMany = await rt.Http.GetAsync("/2015-03-31/functions/hello/versions?MaxItems=10001");
        Assert.Contains("less than or equal to 10000", HttpAssert.Message(await HttpAssert.ErrorAsync(tooMany, 400, "InvalidParameterValueException")), StringComparison.Ordinal);

        var byVersion = await HttpAsJson(rt, "/2015-03-31/functions/hello/aliases?FunctionVersion=1");
        Assert.Equal(["old"], byVersion.GetProperty("Aliases").EnumerateArray().Select(a => a.GetProperty("Name").GetString()));
    }

    [Fact]
    public async Task Configured_tags_are_listed_and_reported_by_get_function()
    {
        await using var rt = await StartTaggedAsync();

        var listed = await HttpAsJson(rt, Tags(HelloArn));
        var function = await HttpAsJson(rt, "/2015-03-31/functions/hello");
        var untagged = await HttpAsJson(rt, Tags("arn:aws:lambda:us-east-1:000000000000:function:slow"));

        Assert.Equal("payments", listed.GetProperty("Tags").GetProperty("team").GetString());
        Assert.Equal("adaptive", listed.GetProperty("Tags").GetProperty("warmkeeper:keep-warm").GetString());
        Assert.Equal(listed.GetProperty("Tags").GetRawText(), function.GetProperty("Tags").GetRawText());
        Assert.Equal(JsonValueKind.Object, untagged.GetProperty("Tags").ValueKind);
        Assert.Empty(untagged.GetProperty("Tags").EnumerateObject());
    }

    [Fact]
    public async Task Tag_resource_adds_and_replaces_and_untag_resource_removes()
    {
        await using var rt = await StartTaggedAsync();

        using var tagged = await PostJsonAsync(rt, Tags(HelloArn), """{"Tags":{"team":"checkout","tier":"gold"}}""");
        Assert.Equal(HttpStatusCode.NoContent, tagged.StatusCode);
        var afterTag = (await HttpAsJson(rt, Tags(HelloArn))).GetProperty("Tags");
        Assert.Equal(["team", "tier", "warmkeeper:keep-warm"], afterTag.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("checkout", afterTag.GetProperty("team").GetString());

        using var untagged = await rt.Http.DeleteAsync(Tags(HelloArn) + "?tagKeys=team&tagKeys=absent&tagKeys=tier");
        Assert.Equal(HttpStatusCode.NoContent, untagged.StatusCode);
        var afterUntag = (await HttpAsJson(rt, Tags(HelloArn))).GetProperty("Tags");
        Assert.Equal(["warmkeeper:keep-warm"], afterUntag.EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("hello", 400, "InvalidParameterValueException", "at 'resource'")]
    [InlineData("000000000000:function:hello", 400, "InvalidParameterValueException", "at 'resource'")]
    [InlineData(HelloArn + ":live", 400, "InvalidParameterValueException", "aliases and versions are not supported")]
    [InlineData("arn:aws:lambda:us-east-1:111111111111:function:hello", 404, "ResourceNotFoundException", "Function not found")]
    [InlineData("arn:aws:lambda:eu-west-1:000000000000:function:hello", 404, "ResourceNotFoundException", "Function not found")]
    [InlineData("arn:aws:lambda:us-east-1:000000000000:function:nope", 404, "ResourceNotFoundException", "Function not found")]
    public async Task Tag_operations_take_only_an_unqualified_function_arn_of_this_account(string resource, int status, string errorType, string message)
    {
        await using var rt = await StartTaggedAsync();

        using var list = await rt.Http.GetAsync(Tags(resource));
        using var tag = await PostJsonAsync(rt, Tags(resource), """{"Tags":{"a":"b"}}""");
        using var untag = await rt.Http.DeleteAsync(Tags(resource) + "?tagKeys=team");

        foreach (var response in new[] { list, tag, untag })
        {
            Assert.Contains(message, HttpAssert.Message(await HttpAssert.ErrorAsync(response, status, errorType)), StringComparison.Ordinal);
        }

        Assert.Equal(2, (await HttpAsJson(rt, Tags(HelloArn))).GetProperty("Tags").EnumerateObject().Count());
    }

    [Theory]
    [InlineData("""{"Tags":{"aws:owner":"x"}}""", "reserved")]
    [InlineData("""{"Tags":{"bad#key":"x"}}""", "bad#key")]
    [InlineData("""{"Tags":{"":"x"}}""", "1 to 128")]
    [InlineData("""{}""", "at 'tags'")]
    [InlineData("""{"Tags":["team"]}""", "Tags must be an object")]
    public async Task Tag_resource_refuses_bad_tags_and_changes_nothing(string body, string message)
    {
        await using var rt = await StartTaggedAsync();
        var before = (await HttpAsJson(rt, Tags(HelloArn))).GetRawText();

        using var response = await PostJsonAsync(rt, Tags(HelloArn), body);

        var errorType = body.Contains('[', StringComparison.Ordinal) ? "InvalidRequestContentException" : "InvalidParameterValueException";
        Assert.Contains(message, HttpAssert.Message(await HttpAssert.ErrorAsync(response, 400, errorType)), StringComparison.Ordinal);
        Assert.Equal(before, (await HttpAsJson(rt, Tags(HelloArn))).GetRawText());
    }

    [Fact]
    public async Task A_function_keeps_at_most_fifty_tags_and_a_refused_request_changes_nothing()
    {
        await using var rt = await StartTaggedAsync();
        var fortyEight = string.Join(",", Enumerable.Range(0, 48).Select(i => "\"k" + i + "\":\"v\""));

        using var fits = await PostJsonAsync(rt, Tags(HelloArn), "{\"Tags\":{" + fortyEight + "}}");
        Assert.Equal(HttpStatusCode.NoContent, fits.StatusCode);
        using var replacing = await PostJsonAsync(rt, Tags(HelloArn), """{"Tags":{"team":"other"}}""");
        Assert.Equal(HttpStatusCode.NoContent, replacing.StatusCode);
        using var oneTooMany = await PostJsonAsync(rt, Tags(HelloArn), """{"Tags":{"team":"again","one-more":"v"}}""");

        Assert.Contains("at most 50 tags", HttpAssert.Message(await HttpAssert.ErrorAsync(oneTooMany, 400, "InvalidParameterValueException")), StringComparison.Ordinal);
        var tags = (await HttpAsJson(rt, Tags(HelloArn))).GetProperty("Tags");
        Assert.Equal(50, tags.EnumerateObject().Count());
        Assert.Equal("other", tags.GetProperty("team").GetString());
    }

    [Fact]
    public async Task Untag_resource_requires_tag_keys()
    {
        await using var rt = await StartTaggedAsync();

        using var response = await rt.Http.DeleteAsync(Tags(HelloArn));

        Assert.Contains("at 'tagKeys'", HttpAssert.Message(await HttpAssert.ErrorAsync(response, 400, "InvalidParameterValueException")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configured_tags_that_break_lambdas_rules_stop_the_start_naming_the_field()
    {
        var tooMany = Enumerable.Range(0, 51).ToDictionary(i => "k" + i, _ => "v", StringComparer.Ordinal);

        var reserved = await Assert.ThrowsAsync<OptionsValidationException>(() => TestRuntime.StartAsync(o =>
            o.Functions["hello"].Tags = new(StringComparer.Ordinal) { ["aws:x"] = "y" }));
        var many = await Assert.ThrowsAsync<OptionsValidationException>(() => TestRuntime.StartAsync(o => o.Functions["slow"].Tags = tooMany));

        Assert.Contains(reserved.Failures, f => f.Contains("Functions:hello:Tags", StringComparison.Ordinal) && f.Contains("aws:", StringComparison.Ordinal));
        Assert.Contains(many.Failures, f => f.Contains("Functions:slow:Tags", StringComparison.Ordinal) && f.Contains("51", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_in_process_control_plane_answers_what_http_answers()
    {
        await using var rt = await StartTaggedAsync();
        var inProcess = new WarmKeeper.LocalRuntime.Engine.InProcessLambdaControlPlane(rt.Engine, "local");

        var configuration = await inProcess.GetFunctionConfigurationAsync("hello:live", null, CancellationToken.None);
        var tags = await inProcess.ListTagsAsync(HelloArn, CancellationToken.None);
        var missing = await Assert.ThrowsAsync<WarmKeeper.Lambda.LambdaResourceNotFoundException>(() =>
            inProcess.GetFunctionConfigurationAsync("nope", null, CancellationToken.None));

        Assert.Equal(
            (await HttpAsJson(rt, Configuration("hello:live"))).GetRawText(),
            JsonSerializer.Serialize(configuration, WarmKeeper.Lambda.Wire.LambdaJsonContext.Default.FunctionConfiguration));
        Assert.Equal("payments", tags.Tags!["team"]);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static async Task<JsonElement> HttpAsJson(TestRuntime rt, string path)
    {
        using var response = await rt.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, path + ": " + (int)response.StatusCode + " " + body);
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }

    private static async Task<HttpResponseMessage> PostJsonAsync(TestRuntime rt, string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await rt.Http.PostAsync(path, content);
    }
}
