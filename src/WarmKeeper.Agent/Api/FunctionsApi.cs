using Microsoft.AspNetCore.Http.HttpResults;
using WarmKeeper.Agent.Security;
using WarmKeeper.Agent.Targets;

namespace WarmKeeper.Agent.Api;

internal static class FunctionsApi
{
    public static IEndpointRouteBuilder MapFunctionsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/functions").WithTags("functions").RequireAuthorization(SecurityServiceCollectionExtensions.ReadPolicy);
        group.MapGet("/", ListAsync).WithName("ListFunctions").WithSummary("Functions of every target (or of ?target=).");
        group.MapGet("/{target}/{name}", GetAsync).WithName("GetFunction")
            .WithSummary("A function: versions, aliases, reserved and provisioned concurrency, environments where the target can tell.");
        return endpoints;
    }

    private static async Task<Ok<IReadOnlyList<FunctionSummary>>> ListAsync(string? target, FunctionCatalog catalog, CancellationToken cancellationToken) =>
        TypedResults.Ok(await catalog.ListAsync(target, cancellationToken));

    private static async Task<Results<Ok<FunctionDetail>, ProblemHttpResult>> GetAsync(
        string target, string name, FunctionCatalog catalog, CancellationToken cancellationToken)
    {
        var detail = await catalog.GetAsync(target, name, cancellationToken);
        return detail is null ? ApiResults.NotFound($"Function '{name}' on target '{target}'") : TypedResults.Ok(detail);
    }
}
