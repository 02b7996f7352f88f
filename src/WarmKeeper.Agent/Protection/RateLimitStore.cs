using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Agent.Warmup;
using WarmKeeper.Core.RateLimiting;

namespace WarmKeeper.Agent.Protection;

/// <summary>A stored limit and its revision (the ETag's source).</summary>
public sealed record StoredRateLimit(RateLimitSpec Spec, long Revision, DateTimeOffset Created, DateTimeOffset Updated)
{
    public string ETag => $"\"{Revision.ToString(CultureInfo.InvariantCulture)}\"";
}

/// <summary>Rate limits in the database, with optimistic concurrency; the spec is kept as one JSON document.</summary>
public sealed class RateLimitStore(IDbContextFactory<WarmKeeperDbContext> contexts, TimeProvider timeProvider)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task<IReadOnlyList<StoredRateLimit>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.RateLimits.AsNoTracking().OrderBy(r => r.Id).ToListAsync(cancellationToken);
        return rows.ConvertAll(ToStored);
    }

    public async Task<StoredRateLimit?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.RateLimits.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        return row is null ? null : ToStored(row);
    }

    public async Task<(StoreOutcome Outcome, StoredRateLimit? Stored)> CreateAsync(RateLimitSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.RateLimits.AnyAsync(r => r.Id == spec.Id, cancellationToken))
        {
            return (StoreOutcome.Conflict, null);
        }

        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var row = new RateLimitRow
        {
            Id = spec.Id,
            Target = spec.Target,
            Spec = JsonSerializer.Serialize(spec, Json),
            Revision = 1,
            CreatedUnixMs = now,
            UpdatedUnixMs = now,
        };
        db.RateLimits.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return (StoreOutcome.Conflict, null);
        }

        return (StoreOutcome.Done, ToStored(row));
    }

    public async Task<(StoreOutcome Outcome, StoredRateLimit? Stored)> UpdateAsync(RateLimitSpec spec, long? expectedRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.RateLimits.FirstOrDefaultAsync(r => r.Id == spec.Id, cancellationToken);
        if (row is null)
        {
            return (StoreOutcome.NotFound, null);
        }

        if (expectedRevision is { } expected && expected != row.Revision)
        {
            return (StoreOutcome.PreconditionFailed, ToStored(row));
        }

        row.Target = spec.Target;
        row.Spec = JsonSerializer.Serialize(spec, Json);
        row.Revision++;
        row.UpdatedUnixMs = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return (StoreOutcome.PreconditionFailed, null);
        }

        return (StoreOutcome.Done, ToStored(row));
    }

    public async Task<(StoreOutcome Outcome, StoredRateLimit? Deleted)> DeleteAsync(string id, long? expectedRevision, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.RateLimits.FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (row is null)
        {
            return (StoreOutcome.NotFound, null);
        }

        if (expectedRevision is { } expected && expected != row.Revision)
        {
            return (StoreOutcome.PreconditionFailed, ToStored(row));
        }

        db.RateLimits.Remove(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return (StoreOutcome.PreconditionFailed, null);
        }

        return (StoreOutcome.Done, ToStored(row));
    }

    private static StoredRateLimit ToStored(RateLimitRow row) => new(
        JsonSerializer.Deserialize<RateLimitSpec>(row.Spec, Json)!,
        row.Revision,
        DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedUnixMs),
        DateTimeOffset.FromUnixTimeMilliseconds(row.UpdatedUnixMs));
}
