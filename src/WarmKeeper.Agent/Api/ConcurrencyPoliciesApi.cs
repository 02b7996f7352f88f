using System.Text.Json;
using WarmKeeper.Agent.Scaling;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Core.Scaling;

namespace WarmKeeper.Agent.Api;

internal static class ConcurrencyPoliciesApi
{
    public static IEndpointRouteBuilder MapConcurrencyPoliciesApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapRevisionedResource(new RevisionedResource<ConcurrencyPolicyStore, ConcurrencyPolicy, ConcurrencyPolicyResource>
        {
            Names = new("/api/v1/concurrency-policies", "concurrency policies", "ConcurrencyPolicy", "ConcurrencyPolicies", "Concurrency policy", "concurrency-policy"),
            Summaries = new(
                List: "All concurrency policies.",
                Get: "One concurrency policy, with its ETag.",
                Create: "Creates a policy (one per function and qualifier).",
                Update: "Replaces a policy; honours If-Match. Setting paused=false resumes a policy paused by a by-hand change.",
                Delete: "Deletes a policy (provisioned concurrency stays as it is); honours If-Match."),
            Id = static p => p.Id,
            ToResource = static (stored, _) => ConcurrencyPolicyMapping.ToResource(stored),
            Read = ConcurrencyPolicyMapping.Read,
            CheckAsync = static (p, errors, services, cancellationToken) =>
                errors.Has("target") || errors.Has("function") || errors.Has("qualifier")
                    ? Task.CompletedTask
                    : services.GetRequiredService<FunctionCatalog>().CheckExistsAsync(p.Target, p.Function, p.Qualifier, errors, cancellationToken),
            CreateConflict = static p => $"A concurrency policy with id '{p.Id}', or for {p.Function}:{p.Qualifier} on {p.Target}, exists already.",
            UpdateConflict = static p => $"Another concurrency policy covers {p.Function}:{p.Qualifier} on {p.Target}.",
            EventSubject = static p => (p.Target, p.Function, p.Qualifier),
            EventField = "policy",
            EventValue = static (stored, _) => JsonSerializer.SerializeToNode(ConcurrencyPolicyMapping.ToResource(stored), JsonSerializerOptions.Web),
            OnDeleted = static (deleted, services) => services.GetRequiredService<ProvisionedConcurrencyReconciler>().Forget(deleted.Value.Id),
        });
        return endpoints;
    }
}
