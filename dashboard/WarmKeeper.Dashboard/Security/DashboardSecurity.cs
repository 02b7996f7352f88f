using System.Net;
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
    /// The sign-in's session on the agent (a random id, never the key): the agent keeps the key so the dashboard
    /// can call the REST API as that person, and the API, not the dashboard, decides what the key may do.
    /// </summary>
    public const string SessionClaim = "urn:warmkeeper:dashboard-session";

    public const string ReadScope = "read";
    public const string WriteScope = "write";

    public const string SignInPath = "/sign-in";
    public const string SignOutPath = "/sign-out";
    public const string AccessDeniedPath = "/access-denied";

    public static bool CanWrite(ClaimsPrincipal? user) => user?.HasClaim(ScopeClaim, WriteScope) == true;

    /// <summary>A principal for a sign-in: the key's name, its scopes and the session (see <see cref="SessionClaim"/>).</summary>
    public static ClaimsPrincipal PrincipalFor(DashboardSignIn signIn)
    {
        ArgumentNullException.ThrowIfNull(signIn);
        var claims = new List<Claim> { new(ClaimTypes.Name, signIn.Identity.Name), new(SessionClaim, signIn.SessionId) };
        claims.AddRange(signIn.Identity.Scopes.Select(s => new Claim(ScopeClaim, s)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieScheme));
    }
}

/// <summary>Who a key belongs to and what it may do.</summary>
public sealed record DashboardIdentity(string Name, IReadOnlyList<string> Scopes);

/// <summary>A sign-in that succeeded: who, and the id of its session on the agent.</summary>
public sealed record DashboardSignIn(DashboardIdentity Identity, string SessionId);

/// <summary>Checks API keys for the sign-in page; the agent implements it with its API key configuration.</summary>
public interface IDashboardAccess
{
    /// <summary>False when the agent has no API keys: it then serves loopback callers only, with no sign-in.</summary>
    bool KeysConfigured { get; }

    /// <summary>Checks a key and, when it is one of the configured keys, starts a session for it.</summary>
    /// <returns>null when the key is not one of the configured keys.</returns>
    DashboardSignIn? SignIn(string key);

    /// <returns>Who a session is for now; null when it has ended or its key is no longer configured as it was.</returns>
    DashboardIdentity? Resolve(string sessionId);

    void SignOut(string sessionId);

    /// <summary>Counts a wrong key from a client address, as the REST API counts its wrong keys.</summary>
    /// <returns>Null while the address is within its allowance; else how long until it may try again.</returns>
    TimeSpan? RecordFailedSignIn(IPAddress? address) => null;
}
