namespace WarmKeeper.Dashboard.Client;

/// <summary>How a change went, in the terms a page explains it.</summary>
public enum OutcomeStatus
{
    Succeeded,

    /// <summary>The input was refused; <see cref="ApiOutcome.Errors"/> names every field.</summary>
    Invalid,
    NotFound,

    /// <summary>Another resource is in the way (a policy for the same function and qualifier, a taken id).</summary>
    Conflict,

    /// <summary>The resource changed since it was read (If-Match did not match): nothing was changed.</summary>
    Stale,

    /// <summary>Signed in, but the key may not do this (read-only).</summary>
    Forbidden,

    /// <summary>Not signed in, or the key is no longer valid.</summary>
    Unauthorized,

    /// <summary>Anything else: the target did not answer, the agent failed.</summary>
    Failed,
}

/// <summary>The outcome of a change through the agent's REST API: its status, its problem details and the errors by field.</summary>
public record ApiOutcome(OutcomeStatus Status, string? Title = null, string? Detail = null, IReadOnlyDictionary<string, string[]>? FieldErrors = null)
{
    private static readonly Dictionary<string, string[]> None = new(StringComparer.Ordinal);

    public bool Succeeded => Status == OutcomeStatus.Succeeded;

    public IReadOnlyDictionary<string, string[]> Errors => FieldErrors ?? None;

    /// <summary>The messages for one field (camelCase path as the API spells it, e.g. <c>schedules[0].cron</c>).</summary>
    public IReadOnlyList<string> For(string field) => Errors.TryGetValue(field, out var messages) ? messages : [];

    /// <summary>One sentence for the top of a form.</summary>
    public string Message => Status switch
    {
        OutcomeStatus.Succeeded => "Saved.",
        OutcomeStatus.Invalid => Title ?? "Some fields are invalid; nothing was changed.",
        OutcomeStatus.Stale => "Someone changed this since you opened it, so nothing was saved. Your edits are still here: " +
                               "reload theirs to compare, or save again to replace them.",
        OutcomeStatus.Forbidden => "Your key may read but not change settings; nothing was changed.",
        OutcomeStatus.Unauthorized => "Your sign-in is no longer valid; sign in again. Nothing was changed.",
        _ => string.Join(" ", new[] { Title, Detail }.Where(s => !string.IsNullOrWhiteSpace(s))) is { Length: > 0 } text ? text : "The agent could not do that.",
    };

    public static ApiOutcome Ok() => new(OutcomeStatus.Succeeded);
}

/// <summary>An outcome that carries the resource as it is after the change.</summary>
public sealed record ApiOutcome<T>(OutcomeStatus Status, T? Value = default, string? Title = null, string? Detail = null, IReadOnlyDictionary<string, string[]>? FieldErrors = null)
    : ApiOutcome(Status, Title, Detail, FieldErrors)
{
    public static ApiOutcome<T> Ok(T value) => new(OutcomeStatus.Succeeded, value);

    public static ApiOutcome<T> From(ApiOutcome failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return new(failure.Status, default, failure.Title, failure.Detail, failure.FieldErrors);
    }
}
