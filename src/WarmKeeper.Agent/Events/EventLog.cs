using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Core.Validation;

namespace WarmKeeper.Agent.Events;

/// <summary>Event kinds; the REST API filters on these strings.</summary>
public static class EventKinds
{
    public const string WarmupRun = "warmup.run";
    public const string WarmupRunFailed = "warmup.run.failed";
    public const string ScalingDecision = "scaling.decision";
    public const string ConfigurationChange = "config.change";
    public const string Throttle = "throttle";
}

/// <summary>An event as the API shows it.</summary>
public sealed record AgentEvent(
    long Id,
    DateTimeOffset Time,
    string Kind,
    string? Target,
    string? Function,
    string? Qualifier,
    string? PolicyId,
    string Actor,
    string Summary,
    JsonObject Data);

/// <summary>What to record.</summary>
/// <param name="Time">When it happened, for an event written some time later (in a batch); null: the log stamps the time it is written.</param>
public sealed record NewEvent(
    string Kind,
    string Actor,
    string Summary,
    JsonObject Data,
    string? Target = null,
    string? Function = null,
    string? Qualifier = null,
    string? PolicyId = null,
    DateTimeOffset? Time = null);

public sealed record EventQuery(string? Function = null, string? Kind = null, DateTimeOffset? Since = null, long? Before = null, int Limit = 100);

/// <summary>The history of everything the agent did or saw, newest first.</summary>
public sealed class EventLog(IDbContextFactory<WarmKeeperDbContext> contexts, TimeProvider timeProvider)
{
    public const int MaxPageSize = 500;

    public async Task<AgentEvent> AppendAsync(NewEvent e, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(e);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = ToRow(e, timeProvider.GetUtcNow());
        db.Events.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return ToEvent(row);
    }

    /// <summary>
    /// Records <paramref name="batch"/> in order, in one transaction: all or none. One commit for many
    /// events instead of one each (SQLite syncs the disk on every commit).
    /// </summary>
    public async Task AppendRangeAsync(IReadOnlyCollection<NewEvent> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        foreach (var e in batch)
        {
            ArgumentNullException.ThrowIfNull(e, nameof(batch));
            db.Events.Add(ToRow(e, now));
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Newest first; page on with <see cref="EventQuery.Before"/> = the last id seen.</summary>
    public async Task<IReadOnlyList<AgentEvent>> QueryAsync(EventQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = db.Events.AsNoTracking();
        if (query.Function is { } function)
        {
            rows = rows.Where(r => r.Function == function);
        }

        if (query.Kind is { } kind)
        {
            rows = rows.Where(r => r.Kind == kind);
        }

        if (query.Since is { } since)
        {
            var sinceMs = since.ToUnixTimeMilliseconds();
            rows = rows.Where(r => r.TimeUnixMs >= sinceMs);
        }

        if (query.Before is { } before)
        {
            rows = rows.Where(r => r.Id < before);
        }

        var page = await rows.OrderByDescending(r => r.Id).Take(Math.Clamp(query.Limit, 1, MaxPageSize)).ToListAsync(cancellationToken);
        return page.ConvertAll(ToEvent);
    }

    private static EventRow ToRow(NewEvent e, DateTimeOffset now) => new()
    {
        TimeUnixMs = (e.Time ?? now).ToUnixTimeMilliseconds(),
        Kind = e.Kind,
        Target = e.Target,
        Function = e.Function,
        Qualifier = e.Qualifier,
        PolicyId = e.PolicyId,
        Actor = e.Actor,
        Summary = e.Summary,
        Data = e.Data.ToJsonString(),
    };

    private static AgentEvent ToEvent(EventRow row) => new(
        row.Id,
        DateTimeOffset.FromUnixTimeMilliseconds(row.TimeUnixMs),
        row.Kind,
        row.Target,
        row.Function,
        row.Qualifier,
        row.PolicyId,
        row.Actor,
        row.Summary,
        // An older version stored what it did not check (a payload 60 levels deep): read what can be read.
        JsonLimits.ReadStored(row.Data) switch
        {
            JsonObject data => data,
            var other => new JsonObject { ["stored"] = other },
        });

    internal static JsonObject ToData<T>(T value) =>
        JsonSerializer.SerializeToNode(value, JsonSerializerOptions.Web) as JsonObject ?? [];
}
