using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
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
    IOptions<ApiSecurityOptions> security)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string ScopeClaim = "scope";
    public const string HeaderName = "X-Api-Key";

    private readonly (string Name, byte[] Digest, List<string> Scopes)[] _keys = security.Value.Keys
        .Select(k => (k.Key, ApiKeyHashing.TryParse(k.Value.Hash, out var d) ? d : [], k.Value.Scopes))
        .ToArray();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (_keys.Length == 0)
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

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        foreach (var (name, expected, scopes) in _keys)
        {
            // Every configured key is compared in full, in constant time.
            if (expected.Length == digest.Length && CryptographicOperations.FixedTimeEquals(expected, digest))
            {
                return Task.FromResult(Success(name, scopes));
            }
        }

        return Task.FromResult(AuthenticateResult.Fail("The API key is not recognized."));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"warmkeeper\"";
        return Task.CompletedTask;
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
