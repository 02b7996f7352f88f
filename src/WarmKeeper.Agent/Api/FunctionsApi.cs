using Microsoft.AspNetCore.Http.HttpResults;
using WarmKeeper.Agent.Security;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Validation;

namespace WarmKeeper.Agent.Api;

/// <summary>Functions of every target: listing, one function's detail, and its demand metrics.</summary>
internal static class FunctionsApi
{
    public static IEndpointRouteBuilder MapFunctionsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/functions").WithTags("functions").ProducesProblem(StatusCodes.Status503ServiceUnavailable).RequireAuthorization(SecurityServiceCollectionExtensions.ReadPolicy);
        group.MapGet("/", ListAsync).WithName("ListFunctions").WithSummary("Functions of every target (or of ?target=).");
        group.MapGet("/{target}/{name}", GetAsync).WithName("GetFunction").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A function: versions, aliases, reserved and provisioned concurrency, environments where the target can tell.");
        group.MapGet("/{target}/{name}/metrics", MetricsAsync).WithName("GetFunctionMetrics").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Demand time series: ?window=00:10:00&step=00:00:10&qualifier=live (qualifier omitted: all of the function).");
        return endpoints;
    }

    private static async Task<Results<Ok<IReadOnlyList<FunctionSummary>>, ValidationProblem>> ListAsync(
        string? target, HttpRequest request, FunctionCatalog catalog, CancellationToken cancellationToken)
    {
        _ = target; // declared for OpenAPI; read once below so a repeated ?target= is refused, not joined
        var query = new QueryReader(request, new ValidationErrors());
        var only = query.String("target");
        return query.Errors.IsValid ? TypedResults.Ok(await catalog.ListAsync(only, cancellationToken)) : ApiResults.Invalid(query.Errors);
    }

    private static async Task<Results<Ok<FunctionDetail>, ValidationProblem, ProblemHttpResult>> GetAsync(
        string target, string name, FunctionCatalog catalog, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        PolicyIdentityRules.ValidateFunctionName(errors, "name", name);
        if (!errors.IsValid)
        {
            return ApiResults.Invalid(errors);
        }

        var detail = await catalog.GetAsync(target, name, cancellationToken);
        return detail is null ? ApiResults.NotFound($"Function '{name}' on target '{target}'") : TypedResults.Ok(detail);
    }

    private static async Task<Results<Ok<MetricsResponse>, ValidationProblem, ProblemHttpResult>> MetricsAsync(
        string target, string name, string? window, string? step, string? qualifier, HttpRequest request,
        FunctionCatalog catalog, DemandRecorder demand, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        _ = (window, step, qualifier); // declared for OpenAPI; read once below so a repeated parameter is refused, not joined
        var query = new QueryReader(request, new ValidationErrors());
        var errors = query.Errors;
        PolicyIdentityRules.ValidateFunctionName(errors, "name", name);
        qualifier = query.String("qualifier");
        if (qualifier is not null)
        {
            PolicyIdentityRules.ValidateQualifier(errors, "qualifier", qualifier);
        }

        var windowSpan = ParseSpan(query.String("window"), TimeSpan.FromMinutes(10), "window", errors);
        var stepSpan = ParseSpan(query.String("step"), TimeSpan.FromSeconds(10), "step", errors);
        if (stepSpan < TimeSpan.FromSeconds(1))
        {
            errors.Add("step", "step must be at least 00:00:01.");
        }
        else if (windowSpan.Ticks / Math.Max(1, stepSpan.Ticks) > 3600)
        {
            errors.Add("step", "window / step must be at most 3600 points.");
        }

        if (!errors.IsValid)
        {
            return ApiResults.Invalid(errors);
        }

        // Points of a function that does not exist would be an empty 200 that looks like "no traffic".
        var found = new ValidationErrors();
        await catalog.CheckExistsAsync(target, name, qualifier, found, cancellationToken);
        if (!found.IsValid)
        {
            return ApiResults.NotFound(found.Has("target") ? $"Target '{target}'"
                : found.Has("function") ? $"Function '{name}' on target '{target}'" : $"Function '{name}:{qualifier}' on target '{target}'");
        }

        var key = new DemandKey(target, name, qualifier ?? DemandKey.AnyQualifier);
        var now = timeProvider.GetUtcNow();
        var end = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var points = new List<MetricsPoint>();
        for (var from = end - windowSpan; from < end; from += stepSpan)
        {
            var s = demand.Summarize(key, from, from + stepSpan);
            if (s.IsKnown)
            {
                points.Add(new MetricsPoint(from, s.MaxInFlight, Math.Round(s.MeanInFlight, 3), s.Arrivals, s.ColdStarts, s.Throttles));
            }
        }

        return TypedResults.Ok(new MetricsResponse(target, name, qualifier, stepSpan, points));
    }

    private static TimeSpan ParseSpan(string? text, TimeSpan fallback, string field, ValidationErrors errors)
    {
        if (text is null)
        {
            return fallback;
        }

        if (TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero && span <= TimeSpan.FromDays(1))
        {
            return span;
        }

        errors.Add(field, $"{field} must be a duration such as 00:10:00 (at most 1.00:00:00).");
        return fallback;
    }
}

public sealed record MetricsPoint(DateTimeOffset Time, int MaxInFlight, double MeanInFlight, int Arrivals, int ColdStarts, int Throttles);

public sealed record MetricsResponse(string Target, string Function, string? Qualifier, TimeSpan Step, IReadOnlyList<MetricsPoint> Points);
