using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Agent.Events;
using WarmKeeper.Agent.Security;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Agent.Warmup;
using WarmKeeper.Core.Validation;
using WarmKeeper.Core.Warmup;

namespace WarmKeeper.Agent.Api;

internal static class WarmupPoliciesApi
{
    public static IEndpointRouteBuilder MapWarmupPoliciesApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/warmup-policies").WithTags("warm-up policies").RequireAuthorization(SecurityServiceCollectionExtensions.ReadPolicy);

        group.MapGet("/", ListAsync).WithName("ListWarmupPolicies").WithSummary("All warm-up policies.");
        group.MapGet("/{id}", GetAsync).WithName("GetWarmupPolicy").WithSummary("One warm-up policy, with its ETag.");
        group.MapPost("/", CreateAsync).WithName("CreateWarmupPolicy").WithSummary("Creates a policy; an enabled one warms at once.")
            .Accepts<WarmupPolicyResource>("application/json").RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        group.MapPut("/{id}", UpdateAsync).WithName("UpdateWarmupPolicy").WithSummary("Replaces a policy; honours If-Match.")
            .Accepts<WarmupPolicyResource>("application/json").RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        group.MapDelete("/{id}", DeleteAsync).WithName("DeleteWarmupPolicy").WithSummary("Deletes a policy; honours If-Match.")
            .RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        group.MapPost("/{id}/run", RunAsync).WithName("RunWarmupPolicy").WithSummary("Runs a policy now and answers with the run's report.")
            .RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        return endpoints;
    }

    private static async Task<Ok<IReadOnlyList<WarmupPolicyResource>>> ListAsync(WarmupPolicyStore store, CancellationToken cancellationToken)
    {
        var all = await store.ListAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<WarmupPolicyResource>>(all.Select(WarmupPolicyMapping.ToResource).ToList());
    }

    private static async Task<Results<Ok<WarmupPolicyResource>, ProblemHttpResult>> GetAsync(
        string id, WarmupPolicyStore store, HttpResponse response, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
        {
            return ApiResults.NotFound($"Warm-up policy '{id}'");
        }

        response.Headers.ETag = stored.ETag;
        return TypedResults.Ok(WarmupPolicyMapping.ToResource(stored));
    }

    private static async Task<Results<Created<WarmupPolicyResource>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        HttpRequest request, HttpResponse response, WarmupPolicyStore store, FunctionCatalog catalog, WarmupScheduler scheduler,
        EventLog events, HttpContext context, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var policy = await ReadValidAsync(request, null, catalog, errors, cancellationToken);
        if (policy is null || !errors.IsValid)
        {
            return ApiResults.Invalid(errors);
        }

        var (outcome, stored) = await store.CreateAsync(policy, cancellationToken);
        if (outcome == StoreOutcome.Conflict)
        {
            return ApiResults.Conflict($"A warm-up policy with id '{policy.Id}' exists already; PUT /api/v1/warmup-policies/{policy.Id} replaces it.");
        }

        scheduler.Apply(policy);
        if (policy.Enabled)
        {
            scheduler.RunSoon(policy.Id, WarmupTriggers.Created);
        }

        await RecordChangeAsync(events, context, "created", stored!, cancellationToken);
        response.Headers.ETag = stored!.ETag;
        return TypedResults.Created($"/api/v1/warmup-policies/{policy.Id}", WarmupPolicyMapping.ToResource(stored));
    }

    private static async Task<Results<Ok<WarmupPolicyResource>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string id, HttpRequest request, HttpResponse response, WarmupPolicyStore store, FunctionCatalog catalog, WarmupScheduler scheduler,
        EventLog events, HttpContext context, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!ApiResults.TryReadIfMatch(request, out var expected))
        {
            errors.Add("If-Match", "If-Match must be an ETag this API returned, such as \"3\".");
        }

        var policy = await ReadValidAsync(request, id, catalog, errors, cancellationToken);
        if (policy is null || !errors.IsValid)
        {
            return ApiResults.Invalid(errors);
        }

        var before = await store.GetAsync(id, cancellationToken);
        var (outcome, stored) = await store.UpdateAsync(policy, expected, cancellationToken);
        switch (outcome)
        {
            case StoreOutcome.NotFound:
                return ApiResults.NotFound($"Warm-up policy '{id}'");
            case StoreOutcome.PreconditionFailed:
                return ApiResults.PreconditionFailed(stored?.ETag ?? "(changed)");
        }

        scheduler.Apply(policy);
        if (policy.Enabled && before is { Value.Enabled: false })
        {
            scheduler.RunSoon(policy.Id, WarmupTriggers.Enabled);
        }

        await RecordChangeAsync(events, context, "updated", stored!, cancellationToken);
        response.Headers.ETag = stored!.ETag;
        return TypedResults.Ok(WarmupPolicyMapping.ToResource(stored));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteAsync(
        string id, HttpRequest request, WarmupPolicyStore store, WarmupScheduler scheduler, EventLog events, HttpContext context,
        CancellationToken cancellationToken)
    {
        if (!ApiResults.TryReadIfMatch(request, out var expected))
        {
            var errors = new ValidationErrors();
            errors.Add("If-Match", "If-Match must be an ETag this API returned, such as \"3\".");
            return ApiResults.Invalid(errors);
        }

        var (outcome, deleted) = await store.DeleteAsync(id, expected, cancellationToken);
        switch (outcome)
        {
            case StoreOutcome.NotFound:
                return ApiResults.NotFound($"Warm-up policy '{id}'");
            case StoreOutcome.PreconditionFailed:
                return ApiResults.PreconditionFailed(deleted?.ETag ?? "(changed)");
        }

        scheduler.Remove(id);
        await RecordChangeAsync(events, context, "deleted", deleted!, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> RunAsync(
        string id, WarmupPolicyStore store, WarmupJob job, EventLog events, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
        {
            return ApiResults.NotFound($"Warm-up policy '{id}'");
        }

        await job.RunAsync(stored.Value, WarmupTriggers.Manual, cancellationToken);
        var latest = await events.QueryAsync(new EventQuery(Function: stored.Value.Function, Limit: 20), cancellationToken);
        var run = latest.FirstOrDefault(e => e.PolicyId == id && e.Kind is EventKinds.WarmupRun or EventKinds.WarmupRunFailed);
        return run is null
            ? TypedResults.Problem(statusCode: 500, title: "The run left no record.")
            : TypedResults.Ok(new JsonObject
            {
                ["eventId"] = run.Id,
                ["kind"] = run.Kind,
                ["summary"] = run.Summary,
                ["data"] = run.Data.DeepClone(),
            });
    }

    private static async Task<WarmupPolicy?> ReadValidAsync(
        HttpRequest request, string? routeId, FunctionCatalog catalog, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var json = await JsonFieldReader.ReadAsync(request, errors, cancellationToken);
        if (json is null)
        {
            return null;
        }

        var policy = WarmupPolicyMapping.Read(json, routeId);
        if (policy is not null && !errors.Has("target") && !errors.Has("function"))
        {
            await catalog.CheckExistsAsync(policy.Target, policy.Function, policy.Qualifier, errors, cancellationToken);
        }

        return policy;
    }

    private static Task<AgentEvent> RecordChangeAsync(EventLog events, HttpContext context, string change, Revisioned<WarmupPolicy> stored, CancellationToken cancellationToken)
    {
        var p = stored.Value;
        var data = new JsonObject
        {
            ["resource"] = "warmup-policy",
            ["change"] = change,
            ["revision"] = stored.Revision,
            ["policy"] = System.Text.Json.JsonSerializer.SerializeToNode(WarmupPolicyMapping.ToResource(stored), System.Text.Json.JsonSerializerOptions.Web),
        };
        return events.AppendAsync(
            new NewEvent(EventKinds.ConfigurationChange, Actors.Of(context), $"Warm-up policy {p.Id} {change}.", data, p.Target, p.Function, p.Qualifier, p.Id),
            cancellationToken);
    }
}

internal static class Actors
{
    /// <summary>"api:&lt;key name&gt;", or "api:local" for a loopback caller when no keys are configured.</summary>
    public static string Of(HttpContext context) => $"api:{context.User.Identity?.Name ?? "anonymous"}";
}
