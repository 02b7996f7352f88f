using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace WarmKeeper.Agent.Security;

/// <summary>
/// API keys from <c>X-Api-Key</c> or <c>Authorization: Bearer</c>. With no keys configured the agent
/// only listens on loopback (checked at start) and every loopback caller is the local operator.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyVerifier keys,
    AuthenticationFailureLimiter failures)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string ScopeClaim = "scope";
    public const string HeaderName = "X-Api-Key";

    /// <summary>Item set when a wrong key was presented: the Retry-After when the address is beyond its allowance, else null.</summary>
    private const string RefusedFor = "WarmKeeper.ApiKey.RefusedFor";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!keys.HasKeys)
        {
            var remote = Context.Connection.RemoteIpAddress;
            return Task.FromResult(remote is null || IPAddress.IsLoopback(remote)
                ? Success("local", [ApiScopes.Read, ApiScopes.Write])
                : AuthenticateResult.Fail("No API keys are configured, so only loopback callers are served."));
        }

        var presented = PresentedKey();
        if (presented is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (keys.Verify(presented) is { } key)
        {
            return Task.FromResult(Success(key.Name, key.Scopes));
        }

        // NoResult rather than Fail: the base class logs every Fail, and a wrong key is logged in aggregate by the limiter.
        Context.Items[RefusedFor] = failures.RecordFailure(Context.Connection.RemoteIpAddress);
        return Task.FromResult(AuthenticateResult.NoResult());
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items.TryGetValue(RefusedFor, out var value) && value is TimeSpan retryAfter)
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = Context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many failed authentications from this address.",
                    Detail = $"Retry after {Response.Headers.RetryAfter} s; a correct key is accepted meanwhile.",
                },
            });
            return;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"warmkeeper\"";
    }

    private string? PresentedKey()
    {
        if (Request.Headers.TryGetValue(HeaderName, out var header) && !string.IsNullOrEmpty(header))
        {
            return header.ToString();
        }

        var authorization = Request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }

    private AuthenticateResult Success(string name, IEnumerable<string> scopes)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name) };
        claims.AddRange(scopes.Select(s => new Claim(ScopeClaim, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}
