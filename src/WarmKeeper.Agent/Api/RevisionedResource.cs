using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using WarmKeeper.Agent.Events;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Agent.Security;
using WarmKeeper.Core.Validation;

namespace WarmKeeper.Agent.Api;

/// <summary>How a revisioned resource is named in its routes, operations, messages and events.</summary>
/// <param name="Route">The collection's path, such as <c>/api/v1/warmup-policies</c>.</param>
/// <param name="Tag">The OpenAPI tag.</param>
/// <param name="Singular">Operation names for one, such as <c>WarmupPolicy</c> in <c>GetWarmupPolicy</c>.</param>
/// <param name="Plural">Operation names for all, such as <c>WarmupPolicies</c> in <c>ListWarmupPolicies</c>.</param>
/// <param name="Noun">How messages and event summaries name one, such as "Warm-up policy".</param>
/// <param name="EventResource">The <c>resource</c> of its change events, such as <c>warmup-policy</c>.</param>
internal sealed record ResourceNames(string Route, string Tag, string Singular, string Plural, string Noun, string EventResource);

/// <summary>The OpenAPI summaries of the five operations.</summary>
internal sealed record ResourceSummaries(string List, string Get, string Create, string Update, string Delete);

/// <summary>
/// The REST API of a user-edited resource kept in a <see cref="IRevisionedStore{T}"/>: list, get,
/// create, put and delete, with ETag / If-Match (412 on a stale revision), every invalid field named in
/// one problem-details answer, and a configuration-change event for every change. The resource
/// brings its names, its JSON mapping, its checks and the side effects of its changes.
/// </summary>
internal sealed class RevisionedResource<TStore, TModel, TResource>
    where TStore : class, IRevisionedStore<TModel>
    where TModel : class
    where TResource : notnull
{
    private const string IfMatchError = "If-Match must be an ETag this API returned, such as \"3\".";

    public required ResourceNames Names { get; init; }

    public required ResourceSummaries Summaries { get; init; }

    public required Func<TModel, string> Id { get; init; }

    /// <summary>The stored value as the API shows it.</summary>
    public required Func<Revisioned<TModel>, IServiceProvider, TResource> ToResource { get; init; }

    /// <summary>
    /// Reads a body field by field, each problem added to the reader's errors; the string is the URL's id
    /// on a PUT. Null when the body lacks what a value needs.
    /// </summary>
    public required Func<JsonFieldReader, string?, TModel?> Read { get; init; }

    /// <summary>Checks a value that was read against the targets (do its functions exist?), adding errors.</summary>
    public required Func<TModel, ValidationErrors, IServiceProvider, CancellationToken, Task> CheckAsync { get; init; }

    /// <summary>The 409's detail when a create finds the id (or another unique key) taken.</summary>
    public required Func<TModel, string> CreateConflict { get; init; }

    /// <summary>The 409's detail when an update would clash with another resource (stores unique beyond the id).</summary>
    public Func<TModel, string>? UpdateConflict { get; init; }

    /// <summary>The target, function and qualifier of its change events.</summary>
    public required Func<TModel, (string? Target, string? Function, string? Qualifier)> EventSubject { get; init; }

    /// <summary>The field of a change event's data that holds the resource, and what it holds.</summary>
    public required string EventField { get; init; }

    public required Func<Revisioned<TModel>, IServiceProvider, JsonNode?> EventValue { get; init; }

    /// <summary>Side effects of a create, once it is stored and before it is recorded.</summary>
    public Action<Revisioned<TModel>, IServiceProvider>? OnCreated { get; init; }

    /// <summary>Side effects of an update, with the value it replaced.</summary>
    public Action<Revisioned<TModel>, Revisioned<TModel>?, IServiceProvider>? OnUpdated { get; init; }

    /// <summary>Side effects of a delete, with the value deleted.</summary>
    public Action<Revisioned<TModel>, IServiceProvider>? OnDeleted { get; init; }

    /// <summary>Maps the five operations; the group is returned for the resource's own further routes.</summary>
    public RouteGroupBuilder Map(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(Names.Route).WithTags(Names.Tag).RequireAuthorization(SecurityServiceCollectionExtensions.ReadPolicy);

        // The store is looked up in each handler rather than bound as a TStore parameter: the route-handler
        // analyzer of .NET 10 throws on a handler parameter whose type is a type parameter (dotnet/aspnetcore#56831).
        group.MapGet("/", (HttpContext context, CancellationToken cancellationToken) => ListAsync(context, cancellationToken))
            .WithName($"List{Names.Plural}").WithSummary(Summaries.List);
        group.MapGet("/{id}", (string id, HttpContext context, CancellationToken cancellationToken) => GetAsync(id, context, cancellationToken))
            .WithName($"Get{Names.Singular}").WithSummary(Summaries.Get).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/", (EventLog events, HttpContext context, CancellationToken cancellationToken) => CreateAsync(events, context, cancellationToken))
            .WithName($"Create{Names.Singular}").WithSummary(Summaries.Create).ProducesProblem(StatusCodes.Status409Conflict)
            .Accepts<TResource>("application/json").RequireJsonBody().RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        group.MapPut("/{id}", (string id, EventLog events, HttpContext context, CancellationToken cancellationToken) => UpdateAsync(id, events, context, cancellationToken))
            .WithName($"Update{Names.Singular}").WithSummary(Summaries.Update)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .Accepts<TResource>("application/json").RequireJsonBody().RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        group.MapDelete("/{id}", (string id, EventLog events, HttpContext context, CancellationToken cancellationToken) => DeleteAsync(id, events, context, cancellationToken))
            .WithName($"Delete{Names.Singular}").WithSummary(Summaries.Delete)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .RequireAuthorization(SecurityServiceCollectionExtensions.WritePolicy);
        return group;
    }

    private async Task<Ok<IReadOnlyList<TResource>>> ListAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var store = Store(context);
        var all = await store.ListAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<TResource>>(all.Select(s => ToResource(s, context.RequestServices)).ToList());
    }

    private async Task<Results<Ok<TResource>, ProblemHttpResult>> GetAsync(string id, HttpContext context, CancellationToken cancellationToken)
    {
        var store = Store(context);
        var stored = await store.GetAsync(id, cancellationToken);
        if (stored is null)
        {
            return NotFound(id);
        }

        context.Response.Headers.ETag = stored.ETag;
        return TypedResults.Ok(ToResource(stored, context.RequestServices));
    }

    private async Task<Results<Created<TResource>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        EventLog events, HttpContext context, CancellationToken cancellationToken)
    {
        var store = Store(context);
        var errors = new ValidationErrors();
        var value = await ReadValidAsync(context, null, errors, cancellationToken);
        if (value is null || !errors.IsValid)
        {
            return ApiResults.Invalid(errors);
        }

        var (outcome, stored) = await store.CreateAsync(value, cancellationToken);
        if (outcome == StoreOutcome.Conflict || stored is null)
        {
            return ApiResults.Conflict(CreateConflict(value));
        }

        OnCreated?.Invoke(stored, context.RequestServices);
        await RecordChangeAsync(events, context, "created", stored, cancellationToken);
        context.Response.Headers.ETag = stored.ETag;
        return TypedResults.Created($"{Names.Route}/{Id(value)}", ToResource(stored, context.RequestServices));
    }

    private async Task<Results<Ok<TResource>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string id, EventLog events, HttpContext context, CancellationToken cancellationToken)
    {
        var store = Store(context);
        var errors = new ValidationErrors();
        if (!ApiResults.TryReadIfMatch(context.Request, out var expected))
        {
            errors.Add("If-Match", IfMatchError);
        }

        var value = await ReadValidAsync(context, id, errors, cancellationToken);
        if (value is null || !errors.IsValid)
        {
            return ApiResults.Invalid(errors);
        }

        var result = await store.UpdateAsync(value, expected, cancellationToken);
        switch (result.Outcome)
        {
            case StoreOutcome.NotFound:
                return NotFound(id);
            case StoreOutcome.PreconditionFailed:
                return ApiResults.PreconditionFailed(result.Stored?.ETag ?? "(changed)");
            case StoreOutcome.Conflict:
                return ApiResults.Conflict(UpdateConflict?.Invoke(value) ?? $"{Names.Noun} '{id}' clashes with another.");
        }

        var stored = result.Stored!;
        OnUpdated?.Invoke(stored, result.Previous, context.RequestServices);
        await RecordChangeAsync(events, context, "updated", stored, cancellationToken);
        context.Response.Headers.ETag = stored.ETag;
        return TypedResults.Ok(ToResource(stored, context.RequestServices));
    }

    private async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteAsync(
        string id, EventLog events, HttpContext context, CancellationToken cancellationToken)
    {
        var store = Store(context);
        if (!ApiResults.TryReadIfMatch(context.Request, out var expected))
        {
            var errors = new ValidationErrors();
            errors.Add("If-Match", IfMatchError);
            return ApiResults.Invalid(errors);
        }

        var (outcome, deleted) = await store.DeleteAsync(id, expected, cancellationToken);
        switch (outcome)
        {
            case StoreOutcome.NotFound:
                return NotFound(id);
            case StoreOutcome.PreconditionFailed:
                return ApiResults.PreconditionFailed(deleted?.ETag ?? "(changed)");
        }

        OnDeleted?.Invoke(deleted!, context.RequestServices);
        await RecordChangeAsync(events, context, "deleted", deleted!, cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>The body as a value, or null (with the reasons in <paramref name="errors"/>).</summary>
    private async Task<TModel?> ReadValidAsync(HttpContext context, string? routeId, ValidationErrors errors, CancellationToken cancellationToken)
    {
        var json = await JsonFieldReader.ReadAsync(context.Request, errors, cancellationToken);
        var value = json is null ? null : Read(json, routeId);
        if (value is not null)
        {
            await CheckAsync(value, errors, context.RequestServices, cancellationToken);
        }

        return value;
    }

    private Task<AgentEvent> RecordChangeAsync(EventLog events, HttpContext context, string change, Revisioned<TModel> stored, CancellationToken cancellationToken)
    {
        var id = Id(stored.Value);
        var (target, function, qualifier) = EventSubject(stored.Value);
        var data = new JsonObject
        {
            ["resource"] = Names.EventResource,
            ["change"] = change,
            ["revision"] = stored.Revision,
            [EventField] = EventValue(stored, context.RequestServices),
        };
        return events.AppendAsync(
            new NewEvent(EventKinds.ConfigurationChange, Actors.Of(context), $"{Names.Noun} {id} {change}.", data, target, function, qualifier, id),
            cancellationToken);
    }

    private static TStore Store(HttpContext context) => context.RequestServices.GetRequiredService<TStore>();

    private ProblemHttpResult NotFound(string id) => ApiResults.NotFound($"{Names.Noun} '{id}'");
}

internal static class RevisionedResourceEndpoints
{
    /// <inheritdoc cref="RevisionedResource{TStore, TModel, TResource}.Map"/>
    public static RouteGroupBuilder MapRevisionedResource<TStore, TModel, TResource>(
        this IEndpointRouteBuilder endpoints, RevisionedResource<TStore, TModel, TResource> resource)
        where TStore : class, IRevisionedStore<TModel>
        where TModel : class
        where TResource : notnull =>
        resource.Map(endpoints);
}
