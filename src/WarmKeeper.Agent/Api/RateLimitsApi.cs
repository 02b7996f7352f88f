using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Agent.Protection;
using WarmKeeper.Agent.Security;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Core.Protection;
using WarmKeeper.Core.Validation;
using WarmKeeper.Core.Targets;

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
    /// <summary>
    /// The documented spellings only: Enum.TryParse would also take "1" or "0, 2" and read them as a
    /// treatment nobody wrote.
    /// </summary>
    private static readonly Dictionary<string, WarmupPingTreatment> PingTreatments = Enum.GetValues<WarmupPingTreatment>()
        .ToDictionary(t => JsonNamingPolicy.CamelCase.ConvertName(t.ToString()), StringComparer.OrdinalIgnoreCase);

    public static IEndpointRouteBuilder MapRateLimitsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapRevisionedResource(new RevisionedResource<RateLimitStore, RateLimitSpec, RateLimitResource>
        {
            Names = new("/api/v1/rate-limits", "rate limits", "RateLimit", "RateLimits", "Rate limit", "rate-limit"),
            Summaries = new(
                List: "All rate limits, with live admitted, queued and rejected counts.",
                Get: "One rate limit, with its ETag and live counts.",
                Create: "Creates a rate limit; it applies to the next call.",
                Update: "Replaces a rate limit; honours If-Match.",
                Delete: "Deletes a rate limit; honours If-Match."),
            Id = static s => s.Id,
            ToResource = static (stored, services) => ToResource(stored, services.GetRequiredService<RateLimitRegistry>()),
            Read = Read,
            CheckAsync = static (s, errors, services, cancellationToken) => CheckFunctionsAsync(s, errors, services, cancellationToken),
            CreateConflict = static s => $"A rate limit with id '{s.Id}' exists already; PUT /api/v1/rate-limits/{s.Id} replaces it.",
            EventSubject = static s => (s.Target, s.Functions.Count == 1 ? s.Functions[0] : null, null),
            EventField = "rateLimit",
            EventValue = static (stored, _) => JsonSerializer.SerializeToNode(stored.Value, RateLimitStore.Json),
            OnCreated = static (stored, services) => services.GetRequiredService<RateLimitRegistry>().Apply(stored),
            OnUpdated = static (stored, _, services) => services.GetRequiredService<RateLimitRegistry>().Apply(stored),
            OnDeleted = static (deleted, services) => services.GetRequiredService<RateLimitRegistry>().Remove(deleted.Value.Id),
        });
        group.MapPost("/{id}/reserved-concurrency", ReservedConcurrencyAsync).WithName("DeriveReservedConcurrency").ProducesProblem(StatusCodes.Status404NotFound).RequireJsonBody()
            .WithSummary("Derives reserved concurrency from the limit (rate × observed p95 duration) and applies it unless apply is false.")
            .RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        return endpoints;
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
        if (ApiErrors.HasBody(request))
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

    /// <summary>Reads a spec from a request body; <paramref name="routeId"/> is the id in the URL for a PUT.</summary>
    private static RateLimitSpec Read(JsonFieldReader json, string? routeId)
    {
        var errors = json.Errors;
        var id = json.Id(routeId);
        var target = json.String("target") ?? TargetNames.Local;
        var functions = json.StringList("functions", required: true);
        var permits = json.Double("permitsPerSecond");
        var burst = json.Int("burst");
        var maxConcurrency = json.Int("maxConcurrency");
        var queueLimit = json.Int("queueLimit");
        var maxQueueWait = json.Duration("maxQueueWait");
        var pingsText = json.String("warmupPings");
        var pings = WarmupPingTreatment.ExemptFromRate;
        if (pingsText is not null && !PingTreatments.TryGetValue(pingsText, out pings))
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
            Id = id ?? string.Empty,
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

        return spec;
    }

    /// <summary>
    /// Names each function the target lacks (<c>functions[i]</c>), or the target when it is unknown. One
    /// paged listing of the target answers for every plain name, instead of a GetFunction per name (a
    /// list of thousands once took that many control-plane calls); only a qualified name or an ARN,
    /// which a listing does not show as such, is looked up on its own.
    /// </summary>
    private static async Task CheckFunctionsAsync(RateLimitSpec spec, ValidationErrors errors, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (errors.Has("target") || errors.Has("functions"))
        {
            return;
        }

        var targets = services.GetRequiredService<ILambdaTargets>();
        if (!targets.TryGet(spec.Target, out _))
        {
            errors.Add("target", $"Unknown target '{spec.Target}'; known targets: {string.Join(", ", targets.Names)}.");
            return;
        }

        var catalog = services.GetRequiredService<FunctionCatalog>();

        var listed = (await catalog.ListAsync(spec.Target, cancellationToken))
            .SelectMany(f => new[] { f.Name, f.Arn })
            .ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < spec.Functions.Count; i++)
        {
            var name = spec.Functions[i];
            if (errors.Has($"functions[{i}]") || listed.Contains(name))
            {
                continue;
            }

            var missing = new ValidationErrors();
            if (name.Contains(':', StringComparison.Ordinal))
            {
                await catalog.CheckExistsAsync(spec.Target, name, null, missing, cancellationToken);
            }
            else
            {
                missing.Add("function", $"The target '{spec.Target}' has no function '{name}'.");
            }

            foreach (var message in missing.ToDictionary().Values.SelectMany(m => m))
            {
                errors.Add($"functions[{i}]", message);
            }
        }
    }
}
