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

    private static async Task<Results<Ok<EventPage>, ValidationProblem>> QueryAsync(
        string? function, string? kind, string? since, long? before, int? limit, EventLog log, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        DateTimeOffset? sinceTime = null;
        if (since is not null)
        {
            if (DateTimeOffset.TryParse(since, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
            {
                sinceTime = parsed;
            }
            else
            {
                errors.Add("since", $"since must be an ISO 8601 time such as 2026-11-27T08:00:00Z, not '{since}'.");
            }
        }

        if (limit is < 1 or > EventLog.MaxPageSize)
        {
            errors.Add("limit", $"limit must be between 1 and {EventLog.MaxPageSize}.");
        }

        if (!errors.IsValid)
        {
            return ApiResults.Invalid(errors);
        }

        var page = await log.QueryAsync(new EventQuery(function, kind, sinceTime, before, limit ?? 100), cancellationToken);
        return TypedResults.Ok(new EventPage(page, page.Count == (limit ?? 100) ? page[^1].Id : null));
    }
}

public sealed record EventPage(IReadOnlyList<AgentEvent> Events, long? NextBefore);
