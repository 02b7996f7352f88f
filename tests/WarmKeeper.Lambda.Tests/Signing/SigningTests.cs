using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Lambda.Wire;
using WarmKeeper.Lambda.Signing;
using WarmKeeper.LocalRuntime.Auth;

namespace WarmKeeper.Lambda.Tests.Signing;

/// <summary>Requests signed by the client (AWSSDK.Core's signer) against <see cref="SigV4RequestVerifier"/> over real HTTP.</summary>
public sealed class SigningTests : IAsyncLifetime
{
    private VerifyingEndpoint _endpoint = null!;

    public async Task InitializeAsync() =>
        _endpoint = await VerifyingEndpoint.StartAsync(
            new SigV4RequestVerifier(TestTargets.AccessKeyId, TestTargets.SecretAccessKey, TestTargets.Region, TimeProvider.System));

    public async Task DisposeAsync() => await _endpoint.DisposeAsync();

    [Fact]
    public async Task Every_operation_signed_by_the_client_verifies()
    {
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(_endpoint.BaseAddress));
        var ct = CancellationToken.None;

        await lambda.GetAccountSettingsAsync(ct);
        await lambda.ListFunctionsAsync("marker with spaces/and+plus=equals", 5, ct);
        await lambda.GetFunctionAsync("arn:aws:lambda:us-east-1:000000000000:function:orders", "live", ct);
        await lambda.ListVersionsByFunctionAsync("orders", null, 50, ct);
        await lambda.ListAliasesAsync("orders", "3", "m:1", 2, ct);
        await lambda.GetFunctionConcurrencyAsync("orders", ct);
        await lambda.DeleteFunctionConcurrencyAsync("orders", ct);
        await lambda.DeleteProvisionedConcurrencyConfigAsync("orders", "live", ct);
        await lambda.ListProvisionedConcurrencyConfigsAsync("orders", "next page", 1, ct);
        await lambda.PutProvisionedConcurrencyConfigAsync("orders", "live", 3, ct);
        await lambda.PutFunctionConcurrencyAsync("orders", 5, ct);

        Assert.Equal(11, _endpoint.Verdicts.Count);
        Assert.All(_endpoint.Verdicts, v => Assert.True(v.IsAuthenticated, $"{v.ErrorType}: {v.Message}"));
        Assert.All(_endpoint.Verdicts, v => Assert.Equal(TestTargets.AccessKeyId, v.AccessKeyId));
        // The ARN travelled percent-encoded once; the signature covered it double-encoded.
        Assert.Contains(_endpoint.Requests, r => r.RawTarget.Contains("arn%3Aaws%3Alambda", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_signed_invoke_verifies_and_the_endpoint_still_reads_the_body()
    {
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(_endpoint.BaseAddress));
        var payload = Encoding.UTF8.GetBytes("""{"order":42,"note":"ünïcode ✓"}""");

        var result = await lambda.InvokeAsync(
            new InvokeRequest { FunctionName = "orders", Qualifier = "7", Payload = payload, TailLog = true, ClientContext = "e30=" },
            CancellationToken.None);

        var verdict = Assert.Single(_endpoint.Verdicts);
        Assert.True(verdict.IsAuthenticated, verdict.Message);
        Assert.Equal(payload, result.Payload.ToArray());
        Assert.Equal("7", result.ExecutedVersion);
        var request = Assert.Single(_endpoint.Requests);
        Assert.Contains("x-amz-invocation-type", request.Headers["Authorization"], StringComparison.Ordinal);
        Assert.Contains("x-amz-content-sha256", request.Headers["Authorization"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Temporary_credentials_send_and_sign_the_session_token()
    {
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(_endpoint.BaseAddress, o => o.SessionToken = "session-token-value"));

        await lambda.GetAccountSettingsAsync(CancellationToken.None);

        Assert.True(Assert.Single(_endpoint.Verdicts).IsAuthenticated);
        var request = Assert.Single(_endpoint.Requests);
        Assert.Equal("session-token-value", request.Headers["X-Amz-Security-Token"]);
        Assert.Contains("x-amz-security-token", request.Headers["Authorization"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_changed_body_is_refused()
    {
        using var lambda = LambdaControlPlane.Create(
            TestTargets.Options(_endpoint.BaseAddress),
            handler: new TamperingHandler(request =>
                request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"order":43}"""))));

        var error = await Assert.ThrowsAsync<LambdaAuthenticationException>(() => lambda.InvokeAsync(
            new InvokeRequest { FunctionName = "orders", Payload = Encoding.UTF8.GetBytes("""{"order":42}""") },
            CancellationToken.None));

        Assert.Equal(LambdaErrorTypes.InvalidSignature, error.ErrorType);
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.False(Assert.Single(_endpoint.Verdicts).IsAuthenticated);
    }

    [Fact]
    public async Task A_changed_body_with_a_matching_content_hash_header_is_refused()
    {
        var forged = Encoding.UTF8.GetBytes("""{"order":43}""");
        using var lambda = LambdaControlPlane.Create(
            TestTargets.Options(_endpoint.BaseAddress),
            handler: new TamperingHandler(request =>
            {
                request.Content = new ByteArrayContent(forged);
                request.Headers.Remove("X-Amz-Content-SHA256");
                request.Headers.TryAddWithoutValidation("X-Amz-Content-SHA256", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(forged)));
            }));

        var error = await Assert.ThrowsAsync<LambdaAuthenticationException>(() => lambda.InvokeAsync(
            new InvokeRequest { FunctionName = "orders", Payload = Encoding.UTF8.GetBytes("""{"order":42}""") },
            CancellationToken.None));

        Assert.Equal(LambdaErrorTypes.InvalidSignature, error.ErrorType);
        Assert.StartsWith("The request signature we calculated does not match", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_changed_signed_header_is_refused()
    {
        using var lambda = LambdaControlPlane.Create(
            TestTargets.Options(_endpoint.BaseAddress),
            handler: new TamperingHandler(request =>
            {
                request.Headers.Remove(LambdaHeaders.InvocationType);
                request.Headers.TryAddWithoutValidation(LambdaHeaders.InvocationType, InvocationTypes.Event);
            }));

        var error = await Assert.ThrowsAsync<LambdaAuthenticationException>(() => lambda.InvokeAsync(
            new InvokeRequest { FunctionName = "orders", Payload = "{}"u8.ToArray() }, CancellationToken.None));

        Assert.Equal(LambdaErrorTypes.InvalidSignature, error.ErrorType);
        Assert.StartsWith("The request signature we calculated does not match", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_changed_query_string_is_refused()
    {
        using var lambda = LambdaControlPlane.Create(
            TestTargets.Options(_endpoint.BaseAddress),
            handler: new TamperingHandler(request =>
                request.RequestUri = new Uri(request.RequestUri!.ToString().Replace("Qualifier=1", "Qualifier=2", StringComparison.Ordinal))));

        var error = await Assert.ThrowsAsync<LambdaAuthenticationException>(() =>
            lambda.GetFunctionAsync("orders", "1", CancellationToken.None));

        Assert.Equal(LambdaErrorTypes.InvalidSignature, error.ErrorType);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_as_an_invalid_signature()
    {
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(_endpoint.BaseAddress, o => o.SecretAccessKey = "not-the-secret"));

        var error = await Assert.ThrowsAsync<LambdaAuthenticationException>(() => lambda.GetAccountSettingsAsync(CancellationToken.None));

        Assert.Equal(LambdaErrorTypes.InvalidSignature, error.ErrorType);
        Assert.Equal(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            error.Message);
        Assert.Single(_endpoint.Verdicts); // authentication failures are not retried
    }

    [Fact]
    public async Task An_unknown_access_key_is_refused_as_an_unrecognized_client()
    {
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(_endpoint.BaseAddress, o => o.AccessKeyId = "AKIDSOMEONEELSE00001"));

        var error = await Assert.ThrowsAsync<LambdaAuthenticationException>(() => lambda.GetAccountSettingsAsync(CancellationToken.None));

        Assert.Equal(LambdaErrorTypes.UnrecognizedClient, error.ErrorType);
        Assert.Equal("The security token included in the request is invalid.", error.Message);
    }

    [Fact]
    public async Task A_request_signed_by_a_clock_twenty_minutes_behind_is_refused_as_expired()
    {
        var slowClock = new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(20));
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(_endpoint.BaseAddress), timeProvider: slowClock);

        var error = await Assert.ThrowsAsync<LambdaAuthenticationException>(() => lambda.GetAccountSettingsAsync(CancellationToken.None));

        Assert.Equal(LambdaErrorTypes.InvalidSignature, error.ErrorType);
        Assert.StartsWith("Signature expired: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_signed_by_a_clock_twenty_minutes_ahead_is_refused()
    {
        var fastClock = new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(20));
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(_endpoint.BaseAddress), timeProvider: fastClock);

        var error = await Assert.ThrowsAsync<LambdaAuthenticationException>(() => lambda.GetAccountSettingsAsync(CancellationToken.None));

        Assert.Equal(LambdaErrorTypes.InvalidSignature, error.ErrorType);
        Assert.StartsWith("Signature not yet current: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_within_the_skew_window_verifies()
    {
        var slightlyOff = new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(14));
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(_endpoint.BaseAddress), timeProvider: slightlyOff);

        await lambda.GetAccountSettingsAsync(CancellationToken.None);

        Assert.True(Assert.Single(_endpoint.Verdicts).IsAuthenticated);
    }

    [Fact]
    public async Task An_unsigned_request_is_refused_as_missing_a_token()
    {
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(_endpoint.BaseAddress, o =>
        {
            o.AccessKeyId = null;
            o.SecretAccessKey = null;
            o.Anonymous = true;
        }));

        var error = await Assert.ThrowsAsync<LambdaAuthenticationException>(() => lambda.GetAccountSettingsAsync(CancellationToken.None));

        Assert.Equal(LambdaErrorTypes.MissingAuthenticationToken, error.ErrorType);
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
    }

    [Fact]
    public async Task A_malformed_authorization_header_is_refused_as_incomplete()
    {
        using var lambda = LambdaControlPlane.Create(
            TestTargets.Options(_endpoint.BaseAddress),
            handler: new TamperingHandler(request =>
            {
                var original = request.Headers.GetValues("Authorization").Single();
                request.Headers.Remove("Authorization");
                request.Headers.TryAddWithoutValidation("Authorization", original[..original.IndexOf(", Signature=", StringComparison.Ordinal)]);
            }));

        var error = await Assert.ThrowsAsync<LambdaAuthenticationException>(() => lambda.GetAccountSettingsAsync(CancellationToken.None));

        Assert.Equal(LambdaErrorTypes.IncompleteSignature, error.ErrorType);
        Assert.Contains("'Signature'", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Changes a request after the client signed it, before it goes on the wire.</summary>
    private sealed class TamperingHandler(Action<HttpRequestMessage> tamper) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            tamper(request);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
