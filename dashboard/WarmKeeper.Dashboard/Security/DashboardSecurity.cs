using System.Security.Claims;

namespace WarmKeeper.Dashboard.Security;

/// <summary>The names the dashboard and the agent agree on for signing in and authorizing.</summary>
public static class DashboardSecurity
{
    /// <summary>The cookie a sign-in with an API key sets.</summary>
    public const string CookieScheme = "WarmKeeper.Dashboard";

    /// <summary>What dashboard pages authenticate with: the cookie when API keys are configured, else the loopback rule.</summary>
    public const string Scheme = "WarmKeeper.DashboardUser";

    /// <summary>May look at everything (scope read or write).</summary>
    public const string ReadPolicy = "dashboard-read";

    /// <summary>May change settings (scope write).</summary>
    public const string WritePolicy = "dashboard-write";

    /// <summary>The claim the agent gives each scope of a key (the same as its API authentication's).</summary>
    public const string ScopeClaim = "scope";

    /// <summary>
    /// The key a person signed in with, kept inside the encrypted, HTTP-only auth cookie so the
    /// dashboard can call the REST API as that person: the API, not the dashboard, decides what the key may do.
    /// </summary>
    public const string ApiKeyClaim = "urn:warmkeeper:api-key";

    public const string ReadScope = "read";
    public const string WriteScope = "write";

    public const string SignInPath = "/sign-in";
    public const string SignOutPath = "/sign-out";
    public const string AccessDeniedPath = "/access-denied";

    public static bool CanWrite(ClaimsPrincipal? user) => user?.HasClaim(ScopeClaim, WriteScope) == true;

    /// <summary>A principal for a key that was verified: its name, its scopes, and the key itself (see <see cref="ApiKeyClaim"/>).</summary>
    public static ClaimsPrincipal PrincipalFor(DashboardIdentity identity, string key)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var claims = new List<Claim> { new(ClaimTypes.Name, identity.Name), new(ApiKeyClaim, key) };
        claims.AddRange(identity.Scopes.Select(s => new Claim(ScopeClaim, s)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieScheme));
    }
}

/// <summary>Who a key belongs to and what it may do.</summary>
public sealed record DashboardIdentity(string Name, IReadOnlyList<string> Scopes);

/// <summary>Checks API keys for the sign-in page; the agent implements it with its API key configuration.</summary>
public interface IDashboardAccess
{
    /// <summary>False when the agent has no API keys: it then serves loopback callers only, with no sign-in.</summary>
    bool KeysConfigured { get; }

    /// <returns>null when the key is not one of the configured keys.</returns>
    DashboardIdentity? Verify(string key);
}
