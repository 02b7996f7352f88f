using System.Globalization;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace WarmKeeper.Agent.Persistence;

/// <summary>The columns every user-edited resource's row has: the id, the revision behind the ETag, and its times.</summary>
public interface IRevisionedRow
{
    string Id { get; }

    /// <summary>Starts at 1 and goes up by one on every update; an EF concurrency token.</summary>
    long Revision { get; set; }

    long CreatedUnixMs { get; set; }

    long UpdatedUnixMs { get; set; }
}

/// <summary>A stored resource and its revision (the ETag's source).</summary>
public sealed record Revisioned<T>(T Value, long Revision, DateTimeOffset Created, DateTimeOffset Updated)
{
    public string ETag => $"\"{Revision.ToString(CultureInfo.InvariantCulture)}\"";
}

public enum StoreOutcome
{
    Done,
    NotFound,

    /// <summary>Another resource has the id (or another unique key of the store).</summary>
    Conflict,

    /// <summary>The revision differs from the expected one, or the row changed while it was being written.</summary>
    PreconditionFailed,
}

/// <summary>What a change did.</summary>
/// <param name="Stored">
/// On <see cref="StoreOutcome.Done"/> what is now stored (or, for a delete, what was);
/// on <see cref="StoreOutcome.PreconditionFailed"/> the current value when it is known; otherwise null.
/// </param>
public readonly record struct StoreResult<T>(StoreOutcome Outcome, Revisioned<T>? Stored)
{
    /// <summary>On an update or delete that was done, the value it replaced or removed.</summary>
    public Revisioned<T>? Previous { get; init; }
}

/// <summary>The operations of a store of revisioned resources, as the REST API uses them.</summary>
public interface IRevisionedStore<T>
    where T : class
{
    Task<IReadOnlyList<Revisioned<T>>> ListAsync(CancellationToken cancellationToken);

    Task<Revisioned<T>?> GetAsync(string id, CancellationToken cancellationToken);

    Task<StoreResult<T>> CreateAsync(T value, CancellationToken cancellationToken);

    /// <param name="expectedRevision">From If-Match; null replaces whatever is stored.</param>
    Task<StoreResult<T>> UpdateAsync(T value, long? expectedRevision, CancellationToken cancellationToken);

    /// <param name="expectedRevision">From If-Match; null deletes whatever is stored.</param>
    Task<StoreResult<T>> DeleteAsync(string id, long? expectedRevision, CancellationToken cancellationToken);
}

/// <summary>
/// User-edited resources in the database with optimistic concurrency: create refuses an existing id,
/// update and delete honour an expected revision, and a row changed under a write is a failed
/// precondition rather than a lost update. A subclass maps its model to and from its row.
/// </summary>
public abstract class RevisionedStore<TRow, TModel>(IDbContextFactory<WarmKeeperDbContext> contexts, TimeProvider timeProvider)
    : IRevisionedStore<TModel>
    where TRow : class, IRevisionedRow
    where TModel : class
{
    protected TimeProvider TimeProvider => timeProvider;

    /// <summary>True when rows are unique on more than the id, so that an update can clash with another row.</summary>
    protected virtual bool HasAlternateKey => false;

    /// <summary>All resources, by id.</summary>
    public virtual Task<IReadOnlyList<Revisioned<TModel>>> ListAsync(CancellationToken cancellationToken) => ReadAllAsync(cancellationToken);

    private async Task<IReadOnlyList<Revisioned<TModel>>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<TRow>().AsNoTracking().OrderBy(r => r.Id).ToListAsync(cancellationToken);
        return rows.ConvertAll(ToRevisioned);
    }

    /// <summary>
    /// All resources, by id, as the base <see cref="ListAsync(CancellationToken)"/> reads them, but reusing the
    /// values in <paramref name="previous"/> (an earlier listing) whose rows still have the same
    /// revision and times: only rows created or changed since are read whole and mapped again.
    /// Every change goes through this store, which moves the revision or (a row deleted and created
    /// again) the creation time.
    /// </summary>
    protected async Task<IReadOnlyList<Revisioned<TModel>>> ListAsync(IReadOnlyList<Revisioned<TModel>> previous, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(previous);
        var known = new Dictionary<string, Revisioned<TModel>>(previous.Count, StringComparer.Ordinal);
        foreach (var item in previous)
        {
            known[IdOf(item.Value)] = item;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var versions = await db.Set<TRow>().AsNoTracking().OrderBy(r => r.Id)
            .Select(r => new RowVersion(r.Id, r.Revision, r.CreatedUnixMs, r.UpdatedUnixMs))
            .ToListAsync(cancellationToken);
        var changed = versions.Where(v => !known.TryGetValue(v.Id, out var had) || !v.Matches(had)).Select(v => v.Id).ToList();
        if (changed.Count > versions.Count / 2)
        {
            return await ReadAllAsync(cancellationToken);
        }

        var reread = changed.Count == 0
            ? []
            : (await db.Set<TRow>().AsNoTracking().Where(r => changed.Contains(r.Id)).ToListAsync(cancellationToken))
                .ToDictionary(r => r.Id, ToRevisioned, StringComparer.Ordinal);
        var listing = new List<Revisioned<TModel>>(versions.Count);
        foreach (var version in versions)
        {
            if (reread.TryGetValue(version.Id, out var fresh))
            {
                listing.Add(fresh);
            }
            else if (known.TryGetValue(version.Id, out var had) && version.Matches(had))
            {
                listing.Add(had);
            }

            // Otherwise deleted between the two reads.
        }

        return listing;
    }

    public Task<Revisioned<TModel>?> GetAsync(string id, CancellationToken cancellationToken) =>
        FirstOrDefaultAsync(r => r.Id == id, cancellationToken);

    public async Task<StoreResult<TModel>> CreateAsync(TModel value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.Set<TRow>().AnyAsync(Clashes(value), cancellationToken))
        {
            return new(StoreOutcome.Conflict, null);
        }

        var now = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var row = NewRow(value);
        row.Revision = 1;
        row.CreatedUnixMs = now;
        row.UpdatedUnixMs = now;
        db.Set<TRow>().Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Lost a race with another create of the same key.
            return new(StoreOutcome.Conflict, null);
        }

        OnChanged();
        return new(StoreOutcome.Done, ToRevisioned(row));
    }

    public Task<StoreResult<TModel>> UpdateAsync(TModel value, long? expectedRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        var id = IdOf(value);
        return ChangeAsync(id, expectedRevision, canClash: HasAlternateKey ? Clashes(value) : null, (_, row) =>
        {
            Write(value, row);
            row.Revision++;
            row.UpdatedUnixMs = timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        }, cancellationToken);
    }

    public Task<StoreResult<TModel>> DeleteAsync(string id, long? expectedRevision, CancellationToken cancellationToken) =>
        ChangeAsync(id, expectedRevision, canClash: null, (rows, row) => rows.Remove(row), cancellationToken);

    /// <summary>
    /// Loads the row, refuses a revision other than <paramref name="expectedRevision"/>, applies
    /// <paramref name="change"/> and saves; a row changed by another writer since it was loaded is a failed precondition.
    /// </summary>
    /// <param name="canClash">
    /// The rows the changed row may not stand beside (itself excepted), or null when only the id is unique. A clash is
    /// looked for before saving: a save refused by the unique index would be logged by EF Core as an error with a stack
    /// trace, and a clash is an expected answer (409), not a failure. A save still refused (a race) is a clash too.
    /// </param>
    private async Task<StoreResult<TModel>> ChangeAsync(
        string id, long? expectedRevision, Expression<Func<TRow, bool>>? canClash, Action<DbSet<TRow>, TRow> change, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = db.Set<TRow>();
        var row = await rows.FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (row is null)
        {
            return new(StoreOutcome.NotFound, null);
        }

        var before = ToRevisioned(row);
        if (expectedRevision is { } expected && expected != row.Revision)
        {
            return new(StoreOutcome.PreconditionFailed, before);
        }

        if (canClash is not null && await rows.AsNoTracking().Where(canClash).AnyAsync(r => r.Id != id, cancellationToken))
        {
            return new(StoreOutcome.Conflict, null);
        }

        change(rows, row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new(StoreOutcome.PreconditionFailed, null);
        }
        catch (DbUpdateException) when (canClash is not null)
        {
            return new(StoreOutcome.Conflict, null);
        }

        OnChanged();
        return new(StoreOutcome.Done, ToRevisioned(row)) { Previous = before };
    }

    /// <summary>The first resource whose row matches, unread by the change tracker.</summary>
    protected async Task<Revisioned<TModel>?> FirstOrDefaultAsync(Expression<Func<TRow, bool>> predicate, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Set<TRow>().AsNoTracking().FirstOrDefaultAsync(predicate, cancellationToken);
        return row is null ? null : ToRevisioned(row);
    }

    protected abstract string IdOf(TModel value);

    /// <summary>The rows a new <paramref name="value"/> may not stand beside: by default the one with its id.</summary>
    protected virtual Expression<Func<TRow, bool>> Clashes(TModel value)
    {
        var id = IdOf(value);
        return r => r.Id == id;
    }

    /// <summary>A row for a new resource; its revision and times are set by the caller.</summary>
    protected abstract TRow NewRow(TModel value);

    /// <summary>Copies <paramref name="value"/> over an existing row (all but the id, revision and times).</summary>
    protected abstract void Write(TModel value, TRow row);

    protected abstract TModel Read(TRow row);

    /// <summary>Called after every change that was saved.</summary>
    protected virtual void OnChanged()
    {
    }

    private readonly record struct RowVersion(string Id, long Revision, long CreatedUnixMs, long UpdatedUnixMs)
    {
        public bool Matches(Revisioned<TModel> value) =>
            value.Revision == Revision
            && value.Created.ToUnixTimeMilliseconds() == CreatedUnixMs
            && value.Updated.ToUnixTimeMilliseconds() == UpdatedUnixMs;
    }

    private Revisioned<TModel> ToRevisioned(TRow row) => new(
        Read(row),
        row.Revision,
        DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedUnixMs),
        DateTimeOffset.FromUnixTimeMilliseconds(row.UpdatedUnixMs));
}
