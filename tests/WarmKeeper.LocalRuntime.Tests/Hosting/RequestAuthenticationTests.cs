using Microsoft.AspNetCore.Http;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.LocalRuntime.Tests.Hosting;

/// <summary>The seam the SigV4 verifier plugs into.</summary>
public sealed class RequestAuthenticationTests
{
    /// <summary>Accepts requests carrying "Authorization: good", after reading the whole body (as a SigV4 payload hash does).</summary>
    private sealed class HeaderAuthenticator : IRequestAuthenticator
    {
        public int Calls;
        public int LastBodyLength = -1;

        public async ValueTask<RequestAuthenticationResult> AuthenticateAsync(HttpRequest request, CancellationToken ct)
        {
            Interlocked.Increment(ref Calls);
            using var reader = new StreamReader(request.Body, leaveOpen: true);
            LastBodyLength = (await reader.ReadToEndAsync(ct)).Length;
            string? authorization = request.Headers.Authorization;
            return authorization switch
            {
                "good" => RequestAuthenticationResult.Success,
                null => RequestAuthenticationResult.Fail("MissingAuthenticationTokenException", "Missing Authentication Token"),
                _ => RequestAuthenticationResult.Fail("InvalidSignatureException", "The request signature we calculated does not match the signature you provided."),
            };
        }
    }

    [Fact]
    public async Task With_credentials_configured_requests_are_verified_and_the_body_stays_readable()
    {
        var authenticator = new HeaderAuthenticator();
        await using var rt = await TestRuntime.StartAsync(
            o => o.Credentials = new LocalRuntimeCredentials { AccessKeyId = "AKID", SecretAccessKey = "secret" },
            new LocalRuntimeServerDependencies { Authenticator = authenticator });

        using var missing = await rt.InvokeAsync("hello", "{\"a\":1}");
        var error = await HttpAssert.ErrorAsync(missing, 403, "MissingAuthenticationTokenException");
        Assert.Equal("Missing Authentication Token", error.GetProperty("message").GetString());

        rt.Http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "bad");
        using var bad = await rt.InvokeAsync("hello", "{\"a\":1}");
        await HttpAssert.ErrorAsync(bad, 403, "InvalidSignatureException");

        rt.Http.DefaultRequestHeaders.Remove("Authorization");
        rt.Http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "good");
        using var ok = await rt.InvokeAsync("hello", "{\"a\":1}");
        Assert.Equal(200, (int)ok.StatusCode);
        Assert.Equal("{\"a\":1}", await ok.Content.ReadAsStringAsync());
        Assert.Equal(7, authenticator.LastBodyLength);
        Assert.Equal(3, authenticator.Calls);
    }

    [Fact]
    public async Task Without_credentials_the_authenticator_is_not_consulted()
    {
        var authenticator = new HeaderAuthenticator();
        await using var rt = await TestRuntime.StartAsync(deps: new LocalRuntimeServerDependencies { Authenticator = authenticator });
        using var ok = await rt.InvokeAsync("hello", "{}");
        Assert.Equal(200, (int)ok.StatusCode);
        Assert.Equal(0, authenticator.Calls);
    }
}
