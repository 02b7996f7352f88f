using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Agent.Events;
using WarmKeeper.Agent.Protection;
using WarmKeeper.Agent.Security;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Core.RateLimiting;
using WarmKeeper.Core.Validation;

namespace WarmKeeper.Agent.Api;

/// <summary>A rate limit as the REST API shows it: the spec, its revision, and live counts.</summary>
public sealed record RateLimitResource(
    string Id,
    string Target,
    IReadOnlyList<string> Functions,
    double? PermitsPerSecond,
    int? Burst,
    int? MaxConcurrency,
    int QueueLimit,
    string? MaxQueueWait,
    string WarmupPings,
    long Revision,
    DateTimeOffset Created,
    DateTimeOffset Updated,
    RateLimitStatus? Status);

internal static class RateLimitsApi
{
    public static IEndpointRouteBuilder MapRateLimitsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1/rate-limits").WithTags("rate limits").RequireAuthorization(SecurityServiceCollectionExtensions.ReadPolicy);

        group.MapGet("/", ListAsync).WithName("ListRateLimits").WithSummary("All rate limits, with live admitted, queued and rejected counts.");
        group.MapGet("/{id}", GetAsync).WithName("GetRateLimit").WithSummary("One rate limit, with its ETag and live counts.");
        group.MapPost("/", CreateAsync).WithName("CreateRateLimit").WithSummary("Creates a rate limit; it applies to the next call.")
            .Accepts<RateLimitResource>("application/json").RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        group.MapPut("/{id}", UpdateAsync).WithName("UpdateRateLimit").WithSummary("Replaces a rate limit; honours If-Match.")
            .Accepts<RateLimitResource>("application/json").RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        group.MapDelete("/{id}", DeleteAsync).WithName("DeleteRateLimit").WithSummary("Deletes a rate limit; honours If-Match.")
            .RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        group.MapPost("/{id}/reserved-concurrency", ReservedConcurrencyAsync).WithName("DeriveReservedConcurrency")
            .WithSummary("Derives reserved concurrency from the limit (rate × observed p95 duration) and applies it unless apply is false.")
            .RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        return endpoints;
    }

    private static async Task<Ok<IReadOnlyList<RateLimitResource>>> ListAsync(RateLimitStore store, RateLimitRegistry registry, CancellationToken cancellationToken)
    {
        var all = await store.ListAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<RateLimitResource>>(all.Select(s => ToResource(s, registry)).ToList());
    }

    private static async Task<Results<Ok<RateLimitResource>, ProblemHttpResult>> GetAsync(
        string id, RateLimitStore store, RateLimitRegistry registry, HttpResponse response, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
        {
            return ApiResults.NotFound($"Rate limit '{id}'");
        }

        response.Headers.ETag = stored.ETag;
        return TypedResults.Ok(ToResource(stored, registry));
    }

    private static async Task<Results<Created<RateLimitResource>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        HttpRequest request, HttpResponse response, RateLimitStore store, RateLimitRegistry registry, FunctionCatalog catalog,
        EventLog events, HttpContext context, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var spec = await ReadValidAsync(request, null, catalog, errors, cancellationToken);
        if (spec is null || !errors.IsValid)
        {
            return ApiResults.Invalid(errors);
        }

        var (outcome, stored) = await store.CreateAsync(spec, cancellationToken);
        if (outcome == StoreOutcome.Conflict)
        {
            return ApiResults.Conflict($"A rate limit with id '{spec.Id}' exists already; PUT /api/v1/rate-limits/{spec.Id} replaces it.");
        }

        registry.Apply(stored!);
        await RecordChangeAsync(events, context, "created", stored!, cancellationToken);
        response.Headers.ETag = stored!.ETag;
        return TypedResults.Created($"/api/v1/rate-limits/{spec.Id}", ToResource(stored, registry));
    }

    private static async Task<Results<Ok<RateLimitResource>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string id, HttpRequest request, HttpResponse response, RateLimitStore store, RateLimitRegistry registry, FunctionCatalog catalog,
        EventLog events, HttpContext context, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!ApiResults.TryReadIfMatch(request, out var expected))
        {
            errors.Add("If-Match", "If-Match must be an ETag this API returned, such as \"3\".");
        }

        var spec = await ReadValidAsync(request, id, catalog, errors, cancellationToken);
        if (spec is null || !errors.IsValid)
        {
            return ApiResults.Invalid(errors);
        }

        var (outcome, stored) = await store.UpdateAsync(spec, expected, cancellationToken);
        switch (outcome)
        {
            case StoreOutcome.NotFound:
                return ApiResults.NotFound($"Rate limit '{id}'");
            case StoreOutcome.PreconditionFailed:
                return ApiResults.PreconditionFailed(stored?.ETag ?? "(changed)");
        }

        registry.Apply(stored!);
        await RecordChangeAsync(events, context, "updated", stored!, cancellationToken);
        response.Headers.ETag = stored!.ETag;
        return TypedResults.Ok(ToResource(stored, registry));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteAsync(
        string id, HttpRequest request, RateLimitStore store, RateLimitRegistry registry, EventLog events, HttpContext context,
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
                return ApiResults.NotFound($"Rate limit '{id}'");
            case StoreOutcome.PreconditionFailed:
                return ApiResults.PreconditionFailed(deleted?.ETag ?? "(changed)");
        }

        registry.Remove(id);
        await RecordChangeAsync(events, context, "deleted", deleted!, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<IReadOnlyList<ReservedConcurrencyOutcome>>, ValidationProblem, ProblemHttpResult>> ReservedConcurrencyAsync(
        string id, HttpRequest request, RateLimitStore store, ReservedConcurrencyService reserved, HttpContext context, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
        {
            return ApiResults.NotFound($"Rate limit '{id}'");
        }

        var errors = new ValidationErrors();
        TimeSpan? p95 = null;
        var apply = true;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var json = await JsonFieldReader.ReadAsync(request, errors, cancellationToken);
            if (json is not null)
            {
                var ms = json.Double("p95DurationMs");
                if (ms is { } value)
                {
                    if (value is <= 0 or > 900_000 || double.IsNaN(value))
                    {
                        errors.Add("p95DurationMs", "p95DurationMs must be above 0 and at most 900000 (15 minutes).");
                    }
                    else
                    {
                        p95 = TimeSpan.FromMilliseconds(value);
                    }
                }

                apply = json.Bool("apply") ?? true;
                json.RejectUnknownFields();
            }
        }

        if (!errors.IsValid)
        {
            return ApiResults.Invalid(errors);
        }

        var outcomes = await reserved.DeriveAsync(stored.Value, p95, apply, Actors.Of(context), cancellationToken);
        return TypedResults.Ok(outcomes);
    }

    internal static RateLimitResource ToResource(Revisioned<RateLimitSpec> stored, RateLimitRegistry registry)
    {
        var s = stored.Value;
        return new RateLimitResource(
            s.Id, s.Target, s.Functions, s.PermitsPerSecond, s.Burst, s.MaxConcurrency, s.QueueLimit,
            s.MaxQueueWait?.ToString("c", CultureInfo.InvariantCulture),
            JsonNamingPolicy.CamelCase.ConvertName(s.WarmupPings.ToString()),
            stored.Revision, stored.Created, stored.Updated, registry.StatusOf(s.Id));
    }

    private static async Task<RateLimitSpec?> ReadValidAsync(
        HttpRequest request, string? routeId, FunctionCatalog catalog, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var json = await JsonFieldReader.ReadAsync(request, errors, cancellationToken);
        if (json is null)
        {
            return null;
        }

        var id = json.String("id", required: routeId is null);
        if (routeId is not null && id is not null && id != routeId)
        {
            errors.Add("id", $"The body's id '{id}' differs from the URL's '{routeId}'.");
        }

        var target = json.String("target") ?? LambdaTargets.Local;
        var functions = json.StringList("functions", required: true);
        var permits = json.Double("permitsPerSecond");
        var burst = json.Int("burst");
        var maxConcurrency = json.Int("maxConcurrency");
        var queueLimit = json.Int("queueLimit");
        var maxQueueWait = json.Duration("maxQueueWait");
        var pingsText = json.String("warmupPings");
        var pings = WarmupPingTreatment.ExemptFromRate;
        if (pingsText is not null && !Enum.TryParse(pingsText, ignoreCase: true, out pings))
        {
            errors.Add("warmupPings", "warmupPings must be exemptFromRate (the default), exempt or limited.");
        }

        // Read-only fields a client may echo back from a GET.
        json.Int("revision");
        json.String("created");
        json.String("updated");
        json.Object("status");
        json.RejectUnknownFields();

        var spec = new RateLimitSpec
        {
            Id = routeId ?? id ?? string.Empty,
            Target = target,
            Functions = functions ?? [],
            PermitsPerSecond = permits,
            Burst = burst,
            MaxConcurrency = maxConcurrency,
            QueueLimit = queueLimit ?? 0,
            MaxQueueWait = maxQueueWait,
            WarmupPings = pings,
        };

        var specErrors = RateLimitSpecValidator.Validate(spec);
        foreach (var (field, messages) in specErrors.ToDictionary())
        {
            if (!errors.Has(field))
            {
                foreach (var m in messages)
                {
                    errors.Add(field, m);
                }
            }
        }

        if (!errors.Has("target") && !errors.Has("functions"))
        {
            for (var i = 0; i < spec.Functions.Count; i++)
            {
                if (errors.Has($"functions[{i}]"))
                {
                    continue;
                }

                var found = new ValidationErrors();
                await catalog.CheckExistsAsync(spec.Target, spec.Functions[i], null, found, cancellationToken);
                if (found.Has("target"))
                {
                    errors.AddRange(found);
                    break;
                }

                foreach (var message in found.ToDictionary().Values.SelectMany(m => m))
                {
                    errors.Add($"functions[{i}]", message);
                }
            }
        }

        return spec;
    }

    private static Task<AgentEvent> RecordChangeAsync(EventLog events, HttpContext context, string change, Revisioned<RateLimitSpec> stored, CancellationToken cancellationToken)
    {
        var s = stored.Value;
        var data = new System.Text.Json.Nodes.JsonObject
        {
            ["resource"] = "rate-limit",
            ["change"] = change,
            ["revision"] = stored.Revision,
            ["rateLimit"] = JsonSerializer.SerializeToNode(s, RateLimitStore.Json),
        };
        return events.AppendAsync(
            new NewEvent(EventKinds.ConfigurationChange, Actors.Of(context), $"Rate limit {s.Id} {change}.", data, s.Target,
                s.Functions.Count == 1 ? s.Functions[0] : null, PolicyId: s.Id),
            cancellationToken);
    }
}
