using System.Linq.Expressions;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Core.Scaling;

namespace WarmKeeper.Agent.Scaling;

/// <summary>
/// Concurrency policies in the database, with optimistic concurrency; one policy per function and
/// qualifier. The identifying columns are kept beside the policy as a JSON document.
/// </summary>
public sealed class ConcurrencyPolicyStore(IDbContextFactory<WarmKeeperDbContext> contexts, TimeProvider timeProvider)
    : RevisionedStore<ConcurrencyPolicyRow, ConcurrencyPolicy>(contexts, timeProvider)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>How long a listing is reused: another instance's changes show within this.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(10);

    private volatile CachedListing? _cached;

    protected override bool HasAlternateKey => true;

    /// <summary>Policies as last listed, kept across expiries: a new listing maps again only the rows changed since.</summary>
    private volatile IReadOnlyList<Revisioned<ConcurrencyPolicy>>? _lastListing;

    /// <summary>
    /// All policies. The reconciler asks every tick, so the listing is kept for <see cref="CacheLifetime"/>
    /// and dropped at once by any change made through this store. Listing again reads every row's
    /// revision but deserializes only the policies changed since the last listing (by any instance).
    /// </summary>
    public override async Task<IReadOnlyList<Revisioned<ConcurrencyPolicy>>> ListAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } cached && TimeProvider.GetElapsedTime(cached.At) < CacheLifetime)
        {
            return cached.Policies;
        }

        var policies = _lastListing is { } last ? await ListAsync(last, cancellationToken) : await base.ListAsync(cancellationToken);
        _lastListing = policies;
        _cached = new CachedListing(policies, TimeProvider.GetTimestamp());
        return policies;
    }

    public Task<Revisioned<ConcurrencyPolicy>?> FindAsync(string target, string function, string qualifier, CancellationToken cancellationToken) =>
        FirstOrDefaultAsync(p => p.Target == target && p.Function == function && p.Qualifier == qualifier, cancellationToken);

    protected override void OnChanged() => _cached = null;

    protected override string IdOf(ConcurrencyPolicy value) => value.Id;

    protected override Expression<Func<ConcurrencyPolicyRow, bool>> Clashes(ConcurrencyPolicy value)
    {
        var (id, target, function, qualifier) = (value.Id, value.Target, value.Function, value.Qualifier);
        return p => p.Id == id || (p.Target == target && p.Function == function && p.Qualifier == qualifier);
    }

    protected override ConcurrencyPolicyRow NewRow(ConcurrencyPolicy value) => new()
    {
        Id = value.Id,
        Target = value.Target,
        Function = value.Function,
        Qualifier = value.Qualifier,
        Document = JsonSerializer.Serialize(value, Json),
    };

    protected override void Write(ConcurrencyPolicy value, ConcurrencyPolicyRow row)
    {
        row.Target = value.Target;
        row.Function = value.Function;
        row.Qualifier = value.Qualifier;
        row.Document = JsonSerializer.Serialize(value, Json);
    }

    protected override ConcurrencyPolicy Read(ConcurrencyPolicyRow row) => JsonSerializer.Deserialize<ConcurrencyPolicy>(row.Document, Json)!;

    private sealed record CachedListing(IReadOnlyList<Revisioned<ConcurrencyPolicy>> Policies, long At);
}
