using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Core.Warmup;

namespace WarmKeeper.Agent.Warmup;

/// <summary>A stored policy and its revision (the ETag's source).</summary>
public sealed record StoredWarmupPolicy(WarmupPolicy Policy, long Revision, DateTimeOffset Created, DateTimeOffset Updated)
{
    public string ETag => $"\"{Revision.ToString(CultureInfo.InvariantCulture)}\"";
}

public enum StoreOutcome
{
    Done,
    NotFound,
    Conflict,
    PreconditionFailed,
}

/// <summary>Warm-up policies in the database, with optimistic concurrency.</summary>
public sealed class WarmupPolicyStore(IDbContextFactory<WarmKeeperDbContext> contexts, TimeProvider timeProvider)
{
    public async Task<IReadOnlyList<StoredWarmupPolicy>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.WarmupPolicies.AsNoTracking().OrderBy(p => p.Id).ToListAsync(cancellationToken);
        return rows.ConvertAll(ToStored);
    }

    public async Task<StoredWarmupPolicy?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.WarmupPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        return row is null ? null : ToStored(row);
    }

    public async Task<(StoreOutcome Outcome, StoredWarmupPolicy? Stored)> CreateAsync(WarmupPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.WarmupPolicies.AnyAsync(p => p.Id == policy.Id, cancellationToken))
        {
            return (StoreOutcome.Conflict, null);
        }

        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var row = new WarmupPolicyRow
        {
            Id = policy.Id,
            Target = policy.Target,
            Function = policy.Function,
            Schedule = policy.Schedule,
            TimeZone = policy.TimeZone,
            PayloadFormat = policy.PayloadFormat.ToString(),
            Revision = 1,
            CreatedUnixMs = now,
            UpdatedUnixMs = now,
        };
        Apply(policy, row);
        db.WarmupPolicies.Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Lost a race with another create of the same id.
            return (StoreOutcome.Conflict, null);
        }

        return (StoreOutcome.Done, ToStored(row));
    }

    /// <param name="expectedRevision">From If-Match; null updates whatever is stored.</param>
    public async Task<(StoreOutcome Outcome, StoredWarmupPolicy? Stored)> UpdateAsync(
        WarmupPolicy policy, long? expectedRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.WarmupPolicies.FirstOrDefaultAsync(p => p.Id == policy.Id, cancellationToken);
        if (row is null)
        {
            return (StoreOutcome.NotFound, null);
        }

        if (expectedRevision is { } expected && expected != row.Revision)
        {
            return (StoreOutcome.PreconditionFailed, ToStored(row));
        }

        Apply(policy, row);
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

    public async Task<(StoreOutcome Outcome, StoredWarmupPolicy? Deleted)> DeleteAsync(string id, long? expectedRevision, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.WarmupPolicies.FirstOrDefaultAsync(p => p.Id == id, cancellationToken);
        if (row is null)
        {
            return (StoreOutcome.NotFound, null);
        }

        if (expectedRevision is { } expected && expected != row.Revision)
        {
            return (StoreOutcome.PreconditionFailed, ToStored(row));
        }

        db.WarmupPolicies.Remove(row);
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

    private static void Apply(WarmupPolicy policy, WarmupPolicyRow row)
    {
        row.Target = policy.Target;
        row.Function = policy.Function;
        row.Qualifier = policy.Qualifier;
        row.Schedule = policy.Schedule;
        row.TimeZone = policy.TimeZone;
        row.FanOut = policy.FanOut;
        row.PayloadFormat = policy.PayloadFormat.ToString();
        row.CustomPayload = policy.CustomPayload;
        row.HoldMs = policy.HoldMs;
        row.ActiveWindow = policy.ActiveWindow is null ? null : JsonSerializer.Serialize(policy.ActiveWindow, JsonSerializerOptions.Web);
        row.Enabled = policy.Enabled;
        row.Verify = policy.Verify;
        row.TopUpBudget = policy.TopUpBudget;
    }

    private static StoredWarmupPolicy ToStored(WarmupPolicyRow row) => new(
        new WarmupPolicy
        {
            Id = row.Id,
            Target = row.Target,
            Function = row.Function,
            Qualifier = row.Qualifier,
            Schedule = row.Schedule,
            TimeZone = row.TimeZone,
            FanOut = row.FanOut,
            PayloadFormat = Enum.Parse<WarmupPayloadFormat>(row.PayloadFormat),
            CustomPayload = row.CustomPayload,
            HoldMs = row.HoldMs,
            ActiveWindow = row.ActiveWindow is null ? null : JsonSerializer.Deserialize<ActiveWindow>(row.ActiveWindow, JsonSerializerOptions.Web),
            Enabled = row.Enabled,
            Verify = row.Verify,
            TopUpBudget = row.TopUpBudget,
        },
        row.Revision,
        DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedUnixMs),
        DateTimeOffset.FromUnixTimeMilliseconds(row.UpdatedUnixMs));
}
