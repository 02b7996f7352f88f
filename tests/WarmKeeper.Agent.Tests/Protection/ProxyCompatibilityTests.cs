using System.Net;
using System.Text;
using System.Text.Json;
using WarmKeeper.Lambda;
using WarmKeeper.Testing;

namespace WarmKeeper.Agent.Tests.Protection;

public sealed class ProxyCompatibilityTests
{
    private static LambdaControlPlane ClientOf(Uri proxy, string? accessKey = null, string? secret = null) => LambdaControlPlane.Create(new LambdaTargetOptions
    {
        Name = "through-proxy",
        Region = "us-east-1",
        ServiceUrl = proxy.ToString(),
        Anonymous = accessKey is null,
        AccessKeyId = accessKey,
        SecretAccessKey = secret,
        InvokeMaxRetries = 0,
    });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Answers_as_the_runtime_does_payload_log_tail_version_event_and_dry_run(bool inProcess)
    {
        await using var proxy = await ProxiedAgent.StartAsync($"--WarmKeeper:Proxy:InProcessLocalTarget={inProcess}");
        using var lambda = ClientOf(proxy.Proxy);

        var result = await lambda.InvokeAsync(new InvokeRequest
        {
            FunctionName = "arn:aws:lambda:us-east-1:000000000000:function:orders",
            Qualifier = "live",
            Payload = """{"order":42}"""u8.ToArray(),
            TailLog = true,
        }, CancellationToken.None);
        Assert.Equal(200, result.StatusCode);
        Assert.Equal("1", result.ExecutedVersion);
        Assert.NotNull(result.Report);
        Assert.NotNull(result.Report!.InitDuration); // first call: a cold start, told by the REPORT line
        Assert.False(string.IsNullOrEmpty(result.EnvironmentId), "the proxy passes on the environment that ran the call");

        var echo = await lambda.InvokeAsync(new InvokeRequest { FunctionName = "hello", Payload = """{"a":1}"""u8.ToArray() }, CancellationToken.None);
        Assert.Equal("""{"a":1}""", Encoding.UTF8.GetString(echo.Payload.Span));

        var queued = await lambda.InvokeAsync(new InvokeRequest { FunctionName = "hello", InvocationType = LambdaInvocationType.Event, Payload = "{}"u8.ToArray() }, CancellationToken.None);
        Assert.Equal(202, queued.StatusCode);
        var dry = await lambda.InvokeAsync(new InvokeRequest { FunctionName = "hello", InvocationType = LambdaInvocationType.DryRun }, CancellationToken.None);
        Assert.Equal(204, dry.StatusCode);

        await Assert.ThrowsAsync<LambdaResourceNotFoundException>(() =>
            lambda.InvokeAsync(new InvokeRequest { FunctionName = "no-such-function" }, CancellationToken.None));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_partial_and_a_full_arn_are_the_function_and_share_its_rate_limit(bool inProcess)
    {
        await using var proxy = await ProxiedAgent.StartAsync($"--WarmKeeper:Proxy:InProcessLocalTarget={inProcess}");
        await proxy.CreateLimitAsync("""{"id":"one-call","functions":["hello"],"permitsPerSecond":0,"burst":1}""");

        // The one permit goes to the partial ARN (in the runtime's own account; another account's is refused,
        // see ProxyBypassTests): it ran hello (the echo), under hello's limit.
        using var partial = await proxy.InvokeAsync(Uri.EscapeDataString("000000000000:function:hello"), """{"form":"partial"}""");
        Assert.Equal(HttpStatusCode.OK, partial.StatusCode);
        Assert.Equal("""{"form":"partial"}""", await partial.Content.ReadAsStringAsync());

        foreach (var form in new[] { "arn:aws:lambda:us-east-1:000000000000:function:hello", "000000000000:function:hello", "hello" })
        {
            using var refused = await proxy.InvokeAsync(Uri.EscapeDataString(form));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("TooManyRequestsException", refused.Headers.GetValues("x-amzn-ErrorType").Single());
        }
    }

    [Fact]
    public async Task With_proxy_credentials_callers_must_sign_with_them()
    {
        await using var proxy = await ProxiedAgent.StartAsync(
            "--WarmKeeper:Proxy:Credentials:AccessKeyId=AKIDPROXYCALLER",
            "--WarmKeeper:Proxy:Credentials:SecretAccessKey=proxy-secret");

        using var unsigned = await proxy.InvokeAsync("hello");
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
        Assert.Equal("MissingAuthenticationTokenException", unsigned.Headers.GetValues("x-amzn-ErrorType").Single());

        using var wrong = ClientOf(proxy.Proxy, "AKIDPROXYCALLER", "not-the-secret");
        await Assert.ThrowsAsync<LambdaAuthenticationException>(() =>
            wrong.InvokeAsync(new InvokeRequest { FunctionName = "hello", Payload = "{}"u8.ToArray() }, CancellationToken.None));

        using var right = ClientOf(proxy.Proxy, "AKIDPROXYCALLER", "proxy-secret");
        var ok = await right.InvokeAsync(new InvokeRequest { FunctionName = "hello", Payload = """{"signed":true}"""u8.ToArray() }, CancellationToken.None);
        Assert.Equal("""{"signed":true}""", Encoding.UTF8.GetString(ok.Payload.Span));
    }

    [SkippableFact]
    public async Task The_aws_cli_invokes_through_the_proxy_and_reports_a_throttle_as_a_throttle()
    {
        var cli = AwsCli.Require();
        await using var proxy = await ProxiedAgent.StartAsync();
        await proxy.CreateLimitAsync("""{"id":"cli","functions":["hello"],"permitsPerSecond":0,"burst":1}""");
        var output = Path.Combine(Path.GetTempPath(), $"wk-proxy-{Guid.NewGuid():N}.json");
        try
        {
            string[] invoke = ["lambda", "invoke", "--function-name", "hello", "--cli-binary-format", "raw-in-base64-out", "--payload", """{"via":"proxy"}""", output];
            var first = await cli.RunAsync(proxy.Proxy, invoke);
            Assert.True(first.ExitCode == 0, first.ToString());
            Assert.Equal(200, JsonDocument.Parse(first.StandardOutput).RootElement.GetProperty("StatusCode").GetInt32());
            Assert.Equal("""{"via":"proxy"}""", await File.ReadAllTextAsync(output));

            // Standard retry mode retries what it classifies as a throttle; "reached max retries" shows it did.
            var throttled = await cli.RunAsync(proxy.Proxy, invoke, new Dictionary<string, string>
            {
                ["AWS_RETRY_MODE"] = "standard",
                ["AWS_MAX_ATTEMPTS"] = "2",
            });
            Assert.NotEqual(0, throttled.ExitCode);
            Assert.Contains("TooManyRequestsException", throttled.StandardError, StringComparison.Ordinal);
            Assert.Contains("reached max retries: 1", throttled.StandardError, StringComparison.Ordinal);
            Assert.Contains("Rate Exceeded", throttled.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(output);
        }
    }
}
