using System.Net;
using WarmKeeper.Agent.Security;
using WarmKeeper.Dashboard.Security;

namespace WarmKeeper.Agent.Dashboard;

/// <summary>The dashboard's sign-in checks keys exactly as the REST API does, and keeps the key on the agent (see <see cref="DashboardSessions"/>).</summary>
internal sealed class ApiKeyDashboardAccess(ApiKeyVerifier keys, DashboardSessions sessions, AuthenticationFailureLimiter failures) : IDashboardAccess
{
    public bool KeysConfigured => keys.HasKeys;

    public DashboardSignIn? SignIn(string key) => sessions.Start(key);

    public DashboardIdentity? Resolve(string sessionId) => sessions.Resolve(sessionId);

    public void SignOut(string sessionId) => sessions.End(sessionId);

    /// <summary>One allowance per address for wrong API keys and wrong sign-ins together, logged in aggregate by the limiter.</summary>
    public TimeSpan? RecordFailedSignIn(IPAddress? address) => failures.RecordFailure(address);
}
