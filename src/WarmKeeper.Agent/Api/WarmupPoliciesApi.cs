using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using WarmKeeper.Agent.Security;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Agent.Warmup;
using WarmKeeper.Core.Warmup;

namespace WarmKeeper.Agent.Api;

internal static class WarmupPoliciesApi
{
    public static IEndpointRouteBuilder MapWarmupPoliciesApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapRevisionedResource(new RevisionedResource<WarmupPolicyStore, WarmupPolicy, WarmupPolicyResource>
        {
            Names = new("/api/v1/warmup-policies", "warm-up policies", "WarmupPolicy", "WarmupPolicies", "Warm-up policy", "warmup-policy"),
            Summaries = new(
                List: "All warm-up policies.",
                Get: "One warm-up policy, with its ETag.",
                Create: "Creates a policy; an enabled one warms at once.",
                Update: "Replaces a policy; honours If-Match.",
                Delete: "Deletes a policy; honours If-Match."),
            Id = static p => p.Id,
            ToResource = static (stored, _) => WarmupPolicyMapping.ToResource(stored),
            Read = WarmupPolicyMapping.Read,
            CheckAsync = static (p, errors, services, cancellationToken) =>
                // A name the rules refused is not looked up: it may not even be sendable in a URL.
                errors.Has("target") || errors.Has("function") || errors.Has("qualifier")
                    ? Task.CompletedTask
                    : services.GetRequiredService<FunctionCatalog>().CheckExistsAsync(p.Target, p.Function, p.Qualifier, errors, cancellationToken),
            CreateConflict = static p => $"A warm-up policy with id '{p.Id}' exists already; PUT /api/v1/warmup-policies/{p.Id} replaces it.",
            EventSubject = static p => (p.Target, p.Function, p.Qualifier),
            EventField = "policy",
            EventValue = static (stored, _) => JsonSerializer.SerializeToNode(WarmupPolicyMapping.ToResource(stored), JsonSerializerOptions.Web),
            OnCreated = static (stored, services) =>
            {
                var scheduler = services.GetRequiredService<WarmupScheduler>();
                scheduler.Apply(stored.Value);
                if (stored.Value.Enabled)
                {
                    scheduler.RunSoon(stored.Value.Id, WarmupTriggers.Created);
                }
            },
            OnUpdated = static (stored, previous, services) =>
            {
                var scheduler = services.GetRequiredService<WarmupScheduler>();
                scheduler.Apply(stored.Value);
                if (stored.Value.Enabled && previous is { Value.Enabled: false })
                {
                    scheduler.RunSoon(stored.Value.Id, WarmupTriggers.Enabled);
                }
            },
            OnDeleted = static (deleted, services) => services.GetRequiredService<WarmupScheduler>().Remove(deleted.Value.Id),
        });
        group.MapPost("/{id}/run", RunAsync).WithName("RunWarmupPolicy").ProducesProblem(StatusCodes.Status404NotFound).WithSummary("Runs a policy now and answers with the run's report.")
            .RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        return endpoints;
    }

    // OpenAPI documents one body per status, the last 200 listed: the report, the usual answer.
    private static async Task<Results<Ok<WarmupRunAnswer<WarmupRunFailure>>, Ok<WarmupRunAnswer<WarmupRunReport>>, ProblemHttpResult>> RunAsync(
        string id, WarmupPolicyStore store, WarmupJob job, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
        {
            return ApiResults.NotFound($"Warm-up policy '{id}'");
        }

        var run = await job.RunAsync(stored.Value, WarmupTriggers.Manual, cancellationToken);
        return run.Report is { } report
            ? TypedResults.Ok(new WarmupRunAnswer<WarmupRunReport>(run.EventId, run.Kind, run.Summary, report))
            : TypedResults.Ok(new WarmupRunAnswer<WarmupRunFailure>(run.EventId, run.Kind, run.Summary, run.Failure!));
    }
}

internal static class Actors
{
    /// <summary>"api:&lt;key name&gt;", or "api:local" for a loopback caller when no keys are configured.</summary>
    public static string Of(HttpContext context) => $"api:{context.User.Identity?.Name ?? "anonymous"}";
}
