using Microsoft.EntityFrameworkCore;

namespace WarmKeeper.Agent.Persistence;

/// <summary>Policies and history. SQLite by default; the provider is chosen by configuration.</summary>
public sealed class WarmKeeperDbContext(DbContextOptions<WarmKeeperDbContext> options) : DbContext(options)
{
    public DbSet<WarmupPolicyRow> WarmupPolicies => Set<WarmupPolicyRow>();

    public DbSet<EventRow> Events => Set<EventRow>();

    public DbSet<ConcurrencyPolicyRow> ConcurrencyPolicies => Set<ConcurrencyPolicyRow>();

    public DbSet<DemandMinuteRow> DemandMinutes => Set<DemandMinuteRow>();

    public DbSet<RateLimitRow> RateLimits => Set<RateLimitRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<WarmupPolicyRow>(e =>
        {
            e.ToTable("warmup_policies");
            e.HasKey(p => p.Id);
            e.Property(p => p.Id).HasMaxLength(64);
            e.Property(p => p.Target).HasMaxLength(32);
            e.Property(p => p.Function).HasMaxLength(140);
            e.Property(p => p.Qualifier).HasMaxLength(128);
            e.Property(p => p.Schedule).HasMaxLength(128);
            e.Property(p => p.TimeZone).HasMaxLength(64);
            e.Property(p => p.PayloadFormat).HasMaxLength(32);
            e.Property(p => p.Revision).IsConcurrencyToken();
        });

        modelBuilder.Entity<ConcurrencyPolicyRow>(e =>
        {
            e.ToTable("concurrency_policies");
            e.HasKey(p => p.Id);
            e.Property(p => p.Id).HasMaxLength(64);
            e.Property(p => p.Target).HasMaxLength(32);
            e.Property(p => p.Function).HasMaxLength(140);
            e.Property(p => p.Qualifier).HasMaxLength(128);
            e.Property(p => p.Revision).IsConcurrencyToken();
            e.HasIndex(p => new { p.Target, p.Function, p.Qualifier }).IsUnique();
        });

        modelBuilder.Entity<DemandMinuteRow>(e =>
        {
            e.ToTable("demand_minutes");
            e.HasKey(x => x.Id);
            e.Property(x => x.Target).HasMaxLength(32);
            e.Property(x => x.Function).HasMaxLength(140);
            e.Property(x => x.Qualifier).HasMaxLength(128);
            e.HasIndex(x => new { x.Target, x.Function, x.Qualifier, x.MinuteUnix }).IsUnique();
            e.HasIndex(x => x.MinuteUnix);
        });

        modelBuilder.Entity<EventRow>(e =>
        {
            e.ToTable("events");
            e.HasKey(x => x.Id);
            e.Property(x => x.Kind).HasMaxLength(64);
            e.Property(x => x.Target).HasMaxLength(32);
            e.Property(x => x.Function).HasMaxLength(140);
            e.Property(x => x.Qualifier).HasMaxLength(128);
            e.Property(x => x.Actor).HasMaxLength(128);
            e.HasIndex(x => x.TimeUnixMs);
            e.HasIndex(x => new { x.Function, x.TimeUnixMs });
            e.HasIndex(x => new { x.Kind, x.TimeUnixMs });
        });

        // Rate limits (downstream protection): the spec is one JSON document, so new fields need no migration.
        modelBuilder.Entity<RateLimitRow>(e =>
        {
            e.ToTable("rate_limits");
            e.HasKey(r => r.Id);
            e.Property(r => r.Id).HasMaxLength(64);
            e.Property(r => r.Target).HasMaxLength(32);
            e.Property(r => r.Revision).IsConcurrencyToken();
        });
    }
}

/// <summary>A stored warm-up policy; <see cref="Revision"/> is the optimistic-concurrency token behind the ETag.</summary>
public sealed class WarmupPolicyRow : IRevisionedRow
{
    public required string Id { get; set; }
    public required string Target { get; set; }
    public required string Function { get; set; }
    public string? Qualifier { get; set; }
    public required string Schedule { get; set; }
    public required string TimeZone { get; set; }
    public int FanOut { get; set; }
    public required string PayloadFormat { get; set; }
    public string? CustomPayload { get; set; }

    /// <summary>The JSON document sent base64-encoded as the pings' <c>X-Amz-Client-Context</c>, or null for the format's default.</summary>
    public string? ClientContext { get; set; }

    public int HoldMs { get; set; }

    /// <summary>The active window as JSON, or null.</summary>
    public string? ActiveWindow { get; set; }

    public bool Enabled { get; set; }
    public bool Verify { get; set; }
    public int? TopUpBudget { get; set; }
    public long Revision { get; set; }
    public long CreatedUnixMs { get; set; }
    public long UpdatedUnixMs { get; set; }
}

/// <summary>Something that happened: a warm-up run, a scaling decision, a throttle, a configuration change.</summary>
public sealed class EventRow
{
    public long Id { get; set; }
    public long TimeUnixMs { get; set; }
    public required string Kind { get; set; }
    public string? Target { get; set; }
    public string? Function { get; set; }
    public string? Qualifier { get; set; }
    public string? PolicyId { get; set; }

    /// <summary>Who or what decided: a policy id, "api:&lt;key name&gt;", "dashboard", "scheduler".</summary>
    public required string Actor { get; set; }

    public required string Summary { get; set; }

    /// <summary>The event's fields as a JSON object.</summary>
    public required string Data { get; set; }
}

/// <summary>
/// A stored concurrency policy: the identifying columns for lookups and uniqueness, the rest as a
/// JSON document (deciders and schedules evolve faster than a table should).
/// </summary>
public sealed class ConcurrencyPolicyRow : IRevisionedRow
{
    public required string Id { get; set; }
    public required string Target { get; set; }
    public required string Function { get; set; }
    public required string Qualifier { get; set; }
    public required string Document { get; set; }
    public long Revision { get; set; }
    public long CreatedUnixMs { get; set; }
    public long UpdatedUnixMs { get; set; }
}

/// <summary>A stored rate limit: <see cref="Spec"/> is the <c>RateLimitSpec</c> as JSON; <see cref="Revision"/> is behind the ETag.</summary>
public sealed class RateLimitRow : IRevisionedRow
{
    public required string Id { get; set; }
    public required string Target { get; set; }
    public required string Spec { get; set; }
    public long Revision { get; set; }
    public long CreatedUnixMs { get; set; }
    public long UpdatedUnixMs { get; set; }
}

/// <summary>One minute of one function's demand (qualifier "*" for the function as a whole), kept two weeks.</summary>
public sealed class DemandMinuteRow
{
    public long Id { get; set; }
    public required string Target { get; set; }
    public required string Function { get; set; }
    public required string Qualifier { get; set; }

    /// <summary>Start of the minute, in Unix seconds.</summary>
    public long MinuteUnix { get; set; }

    public int MaxInFlight { get; set; }
    public double MeanInFlight { get; set; }
    public double MeanOfMaxInFlight { get; set; }
    public int Arrivals { get; set; }
    public int ColdStarts { get; set; }
    public int Throttles { get; set; }
}
