using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.Util;
using WarmKeeper.Lambda.Signing;
using WarmKeeper.Lambda.Wire;
using WarmKeeper.Testing;

namespace WarmKeeper.Lambda.Tests.Signing;

/// <summary>
/// A request changed after it was signed is refused by <see cref="SigV4RequestVerifier"/>: a header that changes what an
/// invocation does added unsigned, a body replaced, a body sent under <c>UNSIGNED-PAYLOAD</c>. Requests are signed by
/// AWSSDK.Core's signer (through the client's own <see cref="LambdaRequestSigner"/>) and by the real AWS CLI.
/// </summary>
public sealed class SigV4TamperingTests : IAsyncLifetime, IDisposable
{
    private const string InvokePath = "/2015-03-31/functions/{FunctionName}/invocations";
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("""{"order":42}""");

    private VerifyingEndpoint _endpoint = null!;
    private readonly HttpClient _http = new();
    private LambdaRequestSigner? _signer;

    public async Task InitializeAsync()
    {
        _endpoint = await VerifyingEndpoint.StartAsync(
            new SigV4RequestVerifier(TestTargets.AccessKeyId, TestTargets.SecretAccessKey, TestTargets.Region, TimeProvider.System));
        _signer = new LambdaRequestSigner(TestTargets.Options(_endpoint.BaseAddress), null, TimeProvider.System);
    }

    public async Task DisposeAsync() => await _endpoint.DisposeAsync();

    public void Dispose()
    {
        _http.Dispose();
        _signer?.Dispose();
    }

    [Fact]
    public async Task An_untampered_invoke_with_its_behaviour_headers_signed_verifies()
    {
        using var request = await SignedInvokeAsync(("X-Amz-Invocation-Type", "Event"), ("X-Amz-Log-Type", "Tail"));

        using var response = await _http.SendAsync(request);

        Assert.True(Assert.Single(_endpoint.Verdicts).IsAuthenticated, Assert.Single(_endpoint.Verdicts).Message);
        Assert.Equal(200, (int)response.StatusCode);
    }

    [Theory]
    [InlineData("X-Amz-Invocation-Type", "Event")]
    [InlineData("X-Amz-Log-Type", "Tail")]
    [InlineData("X-Amz-Client-Context", "eyJjdXN0b20iOnt9fQ==")]
    public async Task A_behaviour_header_added_after_signing_is_refused(string header, string value)
    {
        using var request = await SignedInvokeAsync();
        request.Headers.TryAddWithoutValidation(header, value);

        using var response = await _http.SendAsync(request);

        var verdict = Assert.Single(_endpoint.Verdicts);
        Assert.False(verdict.IsAuthenticated);
        Assert.Equal(LambdaErrorTypes.InvalidSignature, verdict.ErrorType);
        Assert.Contains(header.ToLowerInvariant(), verdict.Message, StringComparison.Ordinal);
        Assert.Equal(403, (int)response.StatusCode);
        Assert.StartsWith(LambdaErrorTypes.InvalidSignature, response.Headers.GetValues("x-amzn-ErrorType").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_changed_after_signing_is_refused()
    {
        using var request = await SignedInvokeAsync();
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"order":43}"""));

        using var response = await _http.SendAsync(request);

        Assert.Equal(LambdaErrorTypes.InvalidSignature, Assert.Single(_endpoint.Verdicts).ErrorType);
        Assert.Equal(403, (int)response.StatusCode);
    }

    [Fact]
    public async Task A_body_changed_after_signing_without_a_declared_hash_is_refused()
    {
        using var request = await SignedInvokeAsync();
        request.Headers.Remove("x-amz-content-sha256");
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"order":43}"""));

        using var response = await _http.SendAsync(request);

        Assert.Equal(LambdaErrorTypes.InvalidSignature, Assert.Single(_endpoint.Verdicts).ErrorType);
    }

    [Fact]
    public async Task An_unsigned_payload_is_refused_even_with_the_body_it_was_sent_with()
    {
        using var request = UnsignedPayloadInvoke(Payload);

        using var response = await _http.SendAsync(request);

        var verdict = Assert.Single(_endpoint.Verdicts);
        Assert.Equal(LambdaErrorTypes.InvalidSignature, verdict.ErrorType);
        Assert.Contains("UNSIGNED-PAYLOAD", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unsigned_payload_with_a_changed_body_is_refused()
    {
        using var request = UnsignedPayloadInvoke(Payload);
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"order":"anything"}"""));

        using var response = await _http.SendAsync(request);

        Assert.Equal(LambdaErrorTypes.InvalidSignature, Assert.Single(_endpoint.Verdicts).ErrorType);
        Assert.Equal(403, (int)response.StatusCode);
    }

    [SkippableFact]
    public async Task The_cli_signs_every_behaviour_header_it_sends()
    {
        var cli = AwsCli.Require();
        var outFile = Path.Combine(Path.GetTempPath(), $"warmkeeper-cli-{Guid.NewGuid():N}.json");
        try
        {
            // The CLI's keys (see WarmKeeper.Testing.AwsCli) against a verifier of its own.
            await using var endpoint = await VerifyingEndpoint.StartAsync(
                new SigV4RequestVerifier("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", TimeProvider.System));
            var run = await cli.RunAsync(
                endpoint.BaseAddress,
                ["lambda", "invoke", "--function-name", "orders", "--invocation-type", "RequestResponse", "--log-type", "Tail",
                 "--client-context", "eyJjdXN0b20iOnt9fQ==", "--cli-binary-format", "raw-in-base64-out", "--payload", """{"order":42}""", outFile],
                new Dictionary<string, string> { ["AWS_MAX_ATTEMPTS"] = "1" });

            Assert.True(run.ExitCode == 0, run.ToString());
            var verdict = Assert.Single(endpoint.Verdicts);
            Assert.True(verdict.IsAuthenticated, $"{verdict.ErrorType}: {verdict.Message}");
            var sent = Assert.Single(endpoint.Requests);
            Assert.Contains("x-amz-log-type", sent.Headers["Authorization"], StringComparison.OrdinalIgnoreCase);
            Assert.Contains("x-amz-client-context", sent.Headers["Authorization"], StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            File.Delete(outFile);
        }
    }

    private async Task<HttpRequestMessage> SignedInvokeAsync(params (string Name, string Value)[] headers)
    {
        var wire = new LambdaWireRequest(HttpMethod.Post, InvokePath, "orders", null,
            [.. headers.Select(h => KeyValuePair.Create(h.Name, h.Value))], Payload);
        return await _signer!.CreateAsync(wire, CancellationToken.None);
    }

    /// <summary>Signed by AWSSDK.Core's signer with payload signing off (what S3 clients do over TLS): the payload hash is UNSIGNED-PAYLOAD.</summary>
    private HttpRequestMessage UnsignedPayloadInvoke(byte[] body)
    {
        var uri = new Uri(_endpoint.BaseAddress, "/2015-03-31/functions/orders/invocations");
        var config = new SigningClientConfig(TestTargets.Region, _endpoint.BaseAddress);
        using var sdkRequest = new DefaultRequest(new UnsignedRequest(), "Lambda")
        {
            HttpMethod = "POST",
            Endpoint = _endpoint.BaseAddress,
            ResourcePath = "/2015-03-31/functions/orders/invocations",
            AuthenticationRegion = TestTargets.Region,
            OverrideSigningServiceName = LambdaRequestSigner.SigningServiceName,
            Content = body,
        };
        sdkRequest.Headers[HeaderKeys.XAmzContentSha256Header] = "UNSIGNED-PAYLOAD";
        var signed = new AWS4Signer(signPayload: false).SignRequest(
            sdkRequest, config, metrics: null, TestTargets.AccessKeyId, TestTargets.SecretAccessKey, DateTime.UtcNow);
        Assert.Equal("UNSIGNED-PAYLOAD", sdkRequest.Headers[HeaderKeys.XAmzContentSha256Header]);

        var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        foreach (var (key, value) in sdkRequest.Headers.Where(h => !string.Equals(h.Key, HeaderKeys.HostHeader, StringComparison.OrdinalIgnoreCase)))
        {
            message.Headers.TryAddWithoutValidation(key, value);
        }

        message.Headers.TryAddWithoutValidation(HeaderKeys.AuthorizationHeader, signed.ForAuthorizationHeader);
        return message;
    }

    private sealed class UnsignedRequest : AmazonWebServiceRequest;
}
