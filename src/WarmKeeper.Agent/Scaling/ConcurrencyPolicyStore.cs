using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Agent.Warmup;
using WarmKeeper.Core.Scaling;

namespace WarmKeeper.Agent.Scaling;

public sealed record StoredConcurrencyPolicy(ConcurrencyPolicy Policy, long Revision, DateTimeOffset Created, DateTimeOffset Updated)
{
    public string ETag => $"\"{Revision.ToString(CultureInfo.InvariantCulture)}\"";
}

/// <summary>Concurrency policies in the database, with optimistic concurrency; one policy per function and qualifier.</summary>
public sealed class ConcurrencyPolicyStore(IDbContextFactory<WarmKeeperDbContext> contexts, TimeProvider timeProvider)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>How long a listing is reused: another instance's changes show within this.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(10);

    private volatile CachedListing? _cached;

    /// <summary>
    /// All policies. The reconciler asks every tick, so the listing is kept for <see cref="CacheLifetime"/>
    /// and dropped at once by any change made through this store.
    /// </summary>
    public async Task<IReadOnlyList<StoredConcurrencyPolicy>> ListAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } cached && timeProvider.GetElapsedTime(cached.At) < CacheLifetime)
        {
            return cached.Policies;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.ConcurrencyPolicies.AsNoTracking().OrderBy(p => p.Id).ToListAsync(cancellationToken);
        var policies = rows.ConvertAll(ToStored);
        _cached = new CachedListing(policies, timeProvider.GetTimestamp());
        return policies;
    }

    private void Invalidate() => _cached = null;

    private sealed record CachedListing(IReadOnlyList<StoredConcurrencyPolicy> Policies, long At);

    public async Task<StoredConcurrencyPolicy?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.ConcurrencyPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        return row is null ? null : ToStored(row);
    }

    public async Task<StoredConcurrencyPolicy?> FindAsync(string target, string function, string qualifier, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.ConcurrencyPolicies.AsNoTracking()
            .FirstOrDefaultAsync(p => p.Target == target && p.Function == function && p.Qualifier == qualifier, cancellationToken);
        return row is null ? null : ToStored(row);
    }

    public async Task<(StoreOutcome Outcome, StoredConcurrencyPolicy? Stored)> CreateAsync(ConcurrencyPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.ConcurrencyPolicies.AnyAsync(
                p => p.Id == policy.Id || (p.Target == policy.Target && p.Function == policy.Function && p.Qualifier == policy.Qualifier),
                cancellationToken))
        {
            return (StoreOutcome.Conflict, null);
        }

        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var row = new ConcurrencyPolicyRow
        {
            Id = policy.Id,
            Target = policy.Target,
            Function = policy.Function,
            Qualifier = policy.Qualifier,
            Document = JsonSerializer.Serialize(policy, Json),
            Revision = 1,
            CreatedUnixMs = now,
            UpdatedUnixMs = now,
        };
        db.ConcurrencyPolicies.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return (StoreOutcome.Conflict, null);
        }

        Invalidate();
        return (StoreOutcome.Done, ToStored(row));
    }

    /// <param name="expectedRevision">From If-Match; null replaces whatever is stored.</param>
    public async Task<(StoreOutcome Outcome, StoredConcurrencyPolicy? Stored)> UpdateAsync(
        ConcurrencyPolicy policy, long? expectedRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.ConcurrencyPolicies.FirstOrDefaultAsync(p => p.Id == policy.Id, cancellationToken);
        if (row is null)
        {
            return (StoreOutcome.NotFound, null);
        }

        if (expectedRevision is { } expected && expected != row.Revision)
        {
            return (StoreOutcome.PreconditionFailed, ToStored(row));
        }

        row.Target = policy.Target;
        row.Function = policy.Function;
        row.Qualifier = policy.Qualifier;
        row.Document = JsonSerializer.Serialize(policy, Json);
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
        catch (DbUpdateException)
        {
            return (StoreOutcome.Conflict, null);
        }

        Invalidate();
        return (StoreOutcome.Done, ToStored(row));
    }

    public async Task<(StoreOutcome Outcome, StoredConcurrencyPolicy? Deleted)> DeleteAsync(string id, long? expectedRevision, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.ConcurrencyPolicies.FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (row is null)
        {
            return (StoreOutcome.NotFound, null);
        }

        if (expectedRevision is { } expected && expected != row.Revision)
        {
            return (StoreOutcome.PreconditionFailed, ToStored(row));
        }

        db.ConcurrencyPolicies.Remove(row);
        await db.SaveChangesAsync(cancellationToken);
        Invalidate();
        return (StoreOutcome.Done, ToStored(row));
    }

    private static StoredConcurrencyPolicy ToStored(ConcurrencyPolicyRow row) => new(
        JsonSerializer.Deserialize<ConcurrencyPolicy>(row.Document, Json)!,
        row.Revision,
        DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedUnixMs),
        DateTimeOffset.FromUnixTimeMilliseconds(row.UpdatedUnixMs));
}
