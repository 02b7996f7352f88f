using WarmKeeper.Lambda.Wire;
using WarmKeeper.Lambda.Signing;
using WarmKeeper.LocalRuntime.Auth;
using WarmKeeper.LocalRuntime.Hosting;
using WarmKeeper.Testing;

namespace WarmKeeper.Lambda.Tests.Signing;

/// <summary>
/// Requests signed by the real AWS CLI (botocore's signer, a second independent implementation)
/// must verify with <see cref="SigV4RequestVerifier"/>, and a wrong secret must be refused.
/// Skipped with a reason when <c>aws</c> is missing; failing instead under WARMKEEPER_REQUIRE_ALL=1.
/// </summary>
public sealed class AwsCliSigningTests : IAsyncLifetime
{
    // The keys WarmKeeper.Testing.AwsCli hands to the CLI.
    private const string CliAccessKeyId = "AKIAIOSFODNN7EXAMPLE";
    private const string CliSecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private static readonly Dictionary<string, string> NoRetries = new() { ["AWS_MAX_ATTEMPTS"] = "1", ["AWS_RETRY_MODE"] = "standard" };

    private VerifyingEndpoint _endpoint = null!;

    public async Task InitializeAsync() =>
        _endpoint = await VerifyingEndpoint.StartAsync(new SigV4RequestVerifier(CliAccessKeyId, CliSecretAccessKey, "us-east-1", TimeProvider.System));

    public async Task DisposeAsync() => await _endpoint.DisposeAsync();

    /// <summary>v2 reads --payload as base64 unless told otherwise; v1 sends it raw and does not know the option.</summary>
    private static string[] RawPayload(AwsCli cli) => cli.IsVersion2 ? ["--cli-binary-format", "raw-in-base64-out"] : [];

    [SkippableFact]
    public async Task List_functions_signed_by_the_cli_verifies()
    {
        var cli = AwsCli.Require();

        var run = await cli.RunAsync(_endpoint.BaseAddress, ["lambda", "list-functions", "--page-size", "3"], NoRetries);

        Assert.True(run.ExitCode == 0, run.ToString());
        var verdict = Assert.Single(_endpoint.Verdicts);
        Assert.True(verdict.IsAuthenticated, $"{verdict.ErrorType}: {verdict.Message}");
        Assert.Contains(_endpoint.Requests, r => r.RawTarget.Contains("MaxItems=3", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Invoke_with_a_payload_and_a_qualifier_signed_by_the_cli_verifies()
    {
        var cli = AwsCli.Require();
        var outFile = Path.Combine(Path.GetTempPath(), $"warmkeeper-cli-{Guid.NewGuid():N}.json");
        try
        {
            var run = await cli.RunAsync(
                _endpoint.BaseAddress,
                ["lambda", "invoke", "--function-name", "orders", "--qualifier", "live",
                 .. RawPayload(cli), "--payload", """{"order": 42, "note": "a b+c/d"}""", outFile],
                NoRetries);

            Assert.True(run.ExitCode == 0, run.ToString());
            var verdict = Assert.Single(_endpoint.Verdicts);
            Assert.True(verdict.IsAuthenticated, $"{verdict.ErrorType}: {verdict.Message}");
            Assert.Equal("""{"order": 42, "note": "a b+c/d"}""", await File.ReadAllTextAsync(outFile));
            var request = Assert.Single(_endpoint.Requests);
            Assert.Equal("POST", request.Method);
            Assert.Contains("Qualifier=live", request.RawTarget, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(outFile);
        }
    }

    [SkippableFact]
    public async Task An_arn_path_with_a_qualifier_and_a_filtered_listing_signed_by_the_cli_verify()
    {
        var cli = AwsCli.Require();

        var get = await cli.RunAsync(
            _endpoint.BaseAddress,
            ["lambda", "get-function", "--function-name", "arn:aws:lambda:us-east-1:000000000000:function:orders", "--qualifier", "3"],
            NoRetries);
        var aliases = await cli.RunAsync(
            _endpoint.BaseAddress,
            ["lambda", "list-aliases", "--function-name", "orders", "--function-version", "3"],
            NoRetries);

        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.True(aliases.ExitCode == 0, aliases.ToString());
        Assert.Equal(2, _endpoint.Verdicts.Count);
        Assert.All(_endpoint.Verdicts, v => Assert.True(v.IsAuthenticated, $"{v.ErrorType}: {v.Message}"));
        Assert.Contains(_endpoint.Requests, r => r.RawTarget.Contains("arn%3Aaws%3Alambda", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_cli_request_with_the_wrong_secret_is_refused_as_an_invalid_signature()
    {
        var cli = AwsCli.Require();

        var run = await cli.RunAsync(
            _endpoint.BaseAddress,
            ["lambda", "list-functions"],
            new Dictionary<string, string>(NoRetries) { ["AWS_SECRET_ACCESS_KEY"] = "not-the-secret" });

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(LambdaErrorTypes.InvalidSignature, run.StandardError, StringComparison.Ordinal);
        var verdict = Assert.Single(_endpoint.Verdicts);
        Assert.Equal(LambdaErrorTypes.InvalidSignature, verdict.ErrorType);
    }

    [SkippableFact]
    public async Task A_cli_request_with_an_unknown_key_is_refused_as_an_unrecognized_client()
    {
        var cli = AwsCli.Require();

        var run = await cli.RunAsync(
            _endpoint.BaseAddress,
            ["lambda", "list-functions"],
            new Dictionary<string, string>(NoRetries) { ["AWS_ACCESS_KEY_ID"] = "AKIASOMEBODYELSE0001" });

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(LambdaErrorTypes.UnrecognizedClient, run.StandardError, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_cli_invokes_the_signed_local_runtime()
    {
        var cli = AwsCli.Require();
        var options = SignedLocalRuntime.Options();
        options.Credentials = new() { AccessKeyId = CliAccessKeyId, SecretAccessKey = CliSecretAccessKey };
        await using var server = await LocalRuntimeServer.StartAsync(options, new LocalRuntimeServerDependencies
        {
            Authenticator = new SigV4RequestAuthenticator(SigV4RequestAuthenticator.CreateVerifier(options, TimeProvider.System)),
        });
        var outFile = Path.Combine(Path.GetTempPath(), $"warmkeeper-cli-{Guid.NewGuid():N}.json");
        try
        {
            var run = await cli.RunAsync(
                server.BaseAddress,
                ["lambda", "invoke", "--function-name", "hello", "--qualifier", "live",
                 .. RawPayload(cli), "--payload", """{"from":"cli"}""", outFile],
                NoRetries);

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains("\"ExecutedVersion\": \"2\"", run.StandardOutput, StringComparison.Ordinal);
            Assert.Equal("""{"from":"cli"}""", await File.ReadAllTextAsync(outFile));
        }
        finally
        {
            File.Delete(outFile);
        }
    }
}
