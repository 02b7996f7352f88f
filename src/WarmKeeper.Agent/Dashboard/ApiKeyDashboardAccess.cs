using WarmKeeper.Agent.Security;
using WarmKeeper.Dashboard.Security;

namespace WarmKeeper.Agent.Dashboard;

/// <summary>The dashboard's sign-in checks keys exactly as the REST API does.</summary>
internal sealed class ApiKeyDashboardAccess(ApiKeyVerifier keys) : IDashboardAccess
{
    public bool KeysConfigured => keys.HasKeys;

    public DashboardIdentity? Verify(string key) =>
        keys.Verify(key) is { } found ? new DashboardIdentity(found.Name, found.Scopes) : null;
}
