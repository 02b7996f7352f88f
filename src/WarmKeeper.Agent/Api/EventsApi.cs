using Microsoft.AspNetCore.Http.HttpResults;
using WarmKeeper.Agent.Events;
using WarmKeeper.Agent.Security;
using WarmKeeper.Core.Validation;

namespace WarmKeeper.Agent.Api;

internal static class EventsApi
{
    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v1/events", QueryAsync)
            .WithTags("events")
            .WithName("ListEvents")
            .WithSummary("Warm-up runs, scaling decisions, throttles and configuration changes, newest first. Page on with ?before=<last id>.")
            .RequireAuthorization(SecurityServiceCollectionExtensions.ReadPolicy);
        return endpoints;
    }

    // The parameters are strings, read by QueryReader, so a malformed one is named in problem details.
    private static async Task<Results<Ok<EventPage>, ValidationProblem>> QueryAsync(
        string? function, string? kind, string? since, string? before, string? limit, HttpRequest request, EventLog log, CancellationToken cancellationToken)
    {
        _ = (function, kind, since, before, limit);
        var query = new QueryReader(request, new ValidationErrors());
        var functionName = query.String("function");
        var kindName = query.String("kind");
        var sinceText = query.String("since");
        var beforeId = query.Long("before", 1, long.MaxValue);
        var pageSize = query.Int("limit", 1, EventLog.MaxPageSize) ?? 100;
        DateTimeOffset? sinceTime = null;
        if (sinceText is not null)
        {
            if (DateTimeOffset.TryParse(sinceText, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
            {
                sinceTime = parsed;
            }
            else
            {
                query.Errors.Add("since", $"since must be an ISO 8601 time such as 2026-11-27T08:00:00Z, not '{sinceText}'.");
            }
        }

        if (!query.Errors.IsValid)
        {
            return ApiResults.Invalid(query.Errors);
        }

        var page = await log.QueryAsync(new EventQuery(functionName, kindName, sinceTime, beforeId, pageSize), cancellationToken);
        return TypedResults.Ok(new EventPage(page, page.Count == pageSize ? page[^1].Id : null));
    }
}

public sealed record EventPage(IReadOnlyList<AgentEvent> Events, long? NextBefore);
