using System.Net;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Lambda.Tests;

/// <summary>GetFunctionConfiguration and ListTags through the signed client against the real local runtime over HTTP.</summary>
public sealed class LambdaControlPlaneFunctionsTests(SignedLocalRuntime runtime) : IClassFixture<SignedLocalRuntime>
{
    private const string HelloArn = "arn:aws:lambda:us-east-1:000000000000:function:hello";
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly LambdaControlPlane _lambda = runtime.Lambda;

    [Theory]
    [InlineData("hello", null, "$LATEST", HelloArn)]
    [InlineData("hello", "live", "2", HelloArn + ":live")]
    [InlineData(HelloArn + ":old", null, "1", HelloArn + ":old")]
    [InlineData("000000000000:function:hello", "1", "1", HelloArn + ":1")]
    public async Task Get_function_configuration_reads_the_version_a_name_resolves_to(string name, string? qualifier, string version, string arn)
    {
        var configuration = await _lambda.GetFunctionConfigurationAsync(name, qualifier, None);

        Assert.Equal("hello", configuration.FunctionName);
        Assert.Equal(arn, configuration.FunctionArn);
        Assert.Equal(version, configuration.Version);
        Assert.Equal("Active", configuration.State);
        Assert.Equal("Successful", configuration.LastUpdateStatus);
    }

    [Fact]
    public async Task Get_function_configuration_of_an_unknown_function_is_resource_not_found()
    {
        var error = await Assert.ThrowsAsync<LambdaResourceNotFoundException>(() => _lambda.GetFunctionConfigurationAsync("nope", null, None));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains("function:nope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_tags_reads_the_functions_tags_by_arn()
    {
        var tagged = await _lambda.ListTagsAsync(HelloArn, None);
        var untagged = await _lambda.ListTagsAsync("arn:aws:lambda:us-east-1:000000000000:function:reporting", None);

        Assert.Equal(new Dictionary<string, string> { ["team"] = "payments" }, tagged.Tags);
        Assert.NotNull(untagged.Tags);
        Assert.Empty(untagged.Tags);
    }

    [Fact]
    public async Task List_tags_refuses_a_name_or_a_qualified_arn_and_finds_no_unknown_function()
    {
        var byName = await Assert.ThrowsAsync<LambdaInvalidParameterException>(() => _lambda.ListTagsAsync("hello", None));
        var byAlias = await Assert.ThrowsAsync<LambdaInvalidParameterException>(() => _lambda.ListTagsAsync(HelloArn + ":live", None));
        var unknown = await Assert.ThrowsAsync<LambdaResourceNotFoundException>(() =>
            _lambda.ListTagsAsync("arn:aws:lambda:us-east-1:000000000000:function:nope", None));

        Assert.Equal(LambdaErrorTypes.InvalidParameterValue, byName.ErrorType);
        Assert.Equal(HttpStatusCode.BadRequest, byName.StatusCode);
        Assert.Equal(LambdaErrorTypes.InvalidParameterValue, byAlias.ErrorType);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
