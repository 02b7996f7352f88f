using WarmKeeper.Dashboard.Security;

namespace WarmKeeper.Agent.Dashboard;

/// <summary>The dashboard's sign-in checks keys exactly as the REST API does, and keeps the key on the agent (see <see cref="DashboardSessions"/>).</summary>
internal sealed class ApiKeyDashboardAccess(WarmKeeper.Agent.Security.ApiKeyVerifier keys, DashboardSessions sessions) : IDashboardAccess
{
    public bool KeysConfigured => keys.HasKeys;

    public DashboardSignIn? SignIn(string key) => sessions.Start(key);

    public DashboardIdentity? Resolve(string sessionId) => sessions.Resolve(sessionId);

    public void SignOut(string sessionId) => sessions.End(sessionId);
}
