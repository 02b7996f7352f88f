using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Agent.Events;
using WarmKeeper.Agent.Scaling;
using WarmKeeper.Agent.Security;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Core.Scaling;
using WarmKeeper.Core.Validation;

namespace WarmKeeper.Agent.Api;

internal static class ConcurrencyPoliciesApi
{
    public static IEndpointRouteBuilder MapConcurrencyPoliciesApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/concurrency-policies").WithTags("concurrency policies")
            .RequireAuthorization(SecurityServiceCollectionExtensions.ReadPolicy);
        group.MapGet("/", ListAsync).WithName("ListConcurrencyPolicies").WithSummary("All concurrency policies.");
        group.MapGet("/{id}", GetAsync).WithName("GetConcurrencyPolicy").WithSummary("One concurrency policy, with its ETag.");
        group.MapPost("/", CreateAsync).WithName("CreateConcurrencyPolicy").WithSummary("Creates a policy (one per function and qualifier).")
            .Accepts<ConcurrencyPolicyResource>("application/json").RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        group.MapPut("/{id}", UpdateAsync).WithName("UpdateConcurrencyPolicy").WithSummary("Replaces a policy; honours If-Match. Setting paused=false resumes a policy paused by a by-hand change.")
            .Accepts<ConcurrencyPolicyResource>("application/json").RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        group.MapDelete("/{id}", DeleteAsync).WithName("DeleteConcurrencyPolicy").WithSummary("Deletes a policy (provisioned concurrency stays as it is); honours If-Match.")
            .RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        return endpoints;
    }

    private static async Task<Ok<IReadOnlyList<ConcurrencyPolicyResource>>> ListAsync(ConcurrencyPolicyStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<ConcurrencyPolicyResource>>((await store.ListAsync(cancellationToken)).Select(ConcurrencyPolicyMapping.ToResource).ToList());

    private static async Task<Results<Ok<ConcurrencyPolicyResource>, ProblemHttpResult>> GetAsync(
        string id, ConcurrencyPolicyStore store, HttpResponse response, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
        {
            return ApiResults.NotFound($"Concurrency policy '{id}'");
        }

        response.Headers.ETag = stored.ETag;
        return TypedResults.Ok(ConcurrencyPolicyMapping.ToResource(stored));
    }

    private static async Task<Results<Created<ConcurrencyPolicyResource>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        HttpRequest request, HttpResponse response, ConcurrencyPolicyStore store, FunctionCatalog catalog, EventLog events,
        HttpContext context, CancellationToken cancellationToken)
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
            return ApiResults.Conflict($"A concurrency policy with id '{policy.Id}', or for {policy.Function}:{policy.Qualifier} on {policy.Target}, exists already.");
        }

        await RecordChangeAsync(events, context, "created", stored!, cancellationToken);
        response.Headers.ETag = stored!.ETag;
        return TypedResults.Created($"/api/v1/concurrency-policies/{policy.Id}", ConcurrencyPolicyMapping.ToResource(stored));
    }

    private static async Task<Results<Ok<ConcurrencyPolicyResource>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string id, HttpRequest request, HttpResponse response, ConcurrencyPolicyStore store, FunctionCatalog catalog, EventLog events,
        ProvisionedConcurrencyReconciler reconciler, HttpContext context, CancellationToken cancellationToken)
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

        var (outcome, stored) = await store.UpdateAsync(policy, expected, cancellationToken);
        switch (outcome)
        {
            case StoreOutcome.NotFound:
                return ApiResults.NotFound($"Concurrency policy '{id}'");
            case StoreOutcome.PreconditionFailed:
                return ApiResults.PreconditionFailed(stored?.ETag ?? "(changed)");
            case StoreOutcome.Conflict:
                return ApiResults.Conflict($"Another concurrency policy covers {policy.Function}:{policy.Qualifier} on {policy.Target}.");
        }

        await RecordChangeAsync(events, context, "updated", stored!, cancellationToken);
        response.Headers.ETag = stored!.ETag;
        return TypedResults.Ok(ConcurrencyPolicyMapping.ToResource(stored));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteAsync(
        string id, HttpRequest request, ConcurrencyPolicyStore store, EventLog events, ProvisionedConcurrencyReconciler reconciler,
        HttpContext context, CancellationToken cancellationToken)
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
                return ApiResults.NotFound($"Concurrency policy '{id}'");
            case StoreOutcome.PreconditionFailed:
                return ApiResults.PreconditionFailed(deleted?.ETag ?? "(changed)");
        }

        reconciler.Forget(id);
        await RecordChangeAsync(events, context, "deleted", deleted!, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<ConcurrencyPolicy?> ReadValidAsync(
        HttpRequest request, string? routeId, FunctionCatalog catalog, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var json = await JsonFieldReader.ReadAsync(request, errors, cancellationToken);
        if (json is null)
        {
            return null;
        }

        var policy = ConcurrencyPolicyMapping.Read(json, routeId);
        if (policy is not null && !errors.Has("target") && !errors.Has("function") && !errors.Has("qualifier"))
        {
            await catalog.CheckExistsAsync(policy.Target, policy.Function, policy.Qualifier, errors, cancellationToken);
        }

        return policy;
    }

    private static Task<AgentEvent> RecordChangeAsync(EventLog events, HttpContext context, string change, Revisioned<ConcurrencyPolicy> stored, CancellationToken cancellationToken)
    {
        var p = stored.Value;
        var data = new JsonObject
        {
            ["resource"] = "concurrency-policy",
            ["change"] = change,
            ["revision"] = stored.Revision,
            ["policy"] = JsonSerializer.SerializeToNode(ConcurrencyPolicyMapping.ToResource(stored), JsonSerializerOptions.Web),
        };
        return events.AppendAsync(
            new NewEvent(EventKinds.ConfigurationChange, Actors.Of(context), $"Concurrency policy {p.Id} {change}.", data, p.Target, p.Function, p.Qualifier, p.Id),
            cancellationToken);
    }
}
