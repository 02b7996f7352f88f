using Hangfire;
using Hangfire.Dashboard;
using WarmKeeper.Agent.Security;

namespace WarmKeeper.Agent.Warmup;

internal static class HangfireDashboardEndpoints
{
    /// <summary>
    /// Hangfire's dashboard at /hangfire behind WarmKeeper's own authorization (API keys, or
    /// loopback when none are configured) instead of Hangfire's local-requests-only default, which
    /// would either lock out a containerized agent or be mistaken for security.
    /// </summary>
    public static IEndpointRouteBuilder MapWarmKeeperHangfireDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = Array.Empty<IDashboardAuthorizationFilter>(),
            AsyncAuthorization = Array.Empty<IDashboardAsyncAuthorizationFilter>(),
            DashboardTitle = "WarmKeeper jobs",
            DisplayStorageConnectionString = false,
            // Changing jobs by hand from there would bypass the policies' audit trail.
            IsReadOnlyFunc = _ => true,
        }).RequireAuthorization(SecurityServiceCollectionExtensions.ReadPolicy);
        return endpoints;
    }
}
