using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace WarmKeeper.Agent.Hosting;

internal static class HealthEndpoints
{
    /// <summary>
    /// <c>/healthz/live</c>: the process answers. <c>/healthz/ready</c>: every health check (the local
    /// runtime's listener, the targets) passes.
    /// </summary>
    public static IEndpointRouteBuilder MapWarmKeeperHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false })
            .WithTags("health");
        endpoints.MapHealthChecks("/healthz/ready")
            .WithTags("health");
        return endpoints;
    }
}
