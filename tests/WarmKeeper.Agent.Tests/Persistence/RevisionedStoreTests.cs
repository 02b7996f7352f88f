using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Agent.Protection;
using WarmKeeper.Agent.Scaling;
using WarmKeeper.Agent.Warmup;
using WarmKeeper.Core.Protection;
using WarmKeeper.Core.Scaling;
using WarmKeeper.Core.Warmup;

namespace WarmKeeper.Agent.Tests.Persistence;

/// <summary>The revisioned store behind warm-up policies, concurrency policies and rate limits, on SQLite.</summary>
public sealed class RevisionedStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private static PooledDbContextFactory<WarmKeeperDbContext> Database() => TestDatabase.Create("store");

    private static RateLimitSpec Limit(string id, double permits = 5) => new() { Id = id, Functions = ["hello"], PermitsPerSecond = permits };

    private static ConcurrencyPolicy Scaling(string id, string qualifier = "live", int max = 10) =>
        new() { Id = id, Target = "local", Function = "orders", Qualifier = qualifier, Max = max };

    private static void Refused<T>(StoreOutcome expected, StoreResult<T> result)
    {
        Assert.Equal(expected, result.Outcome);
        Assert.Null(result.Stored);
    }

    [Fact]
    public async Task Create_update_and_delete_follow_the_revision()
    {
        var time = new FakeTimeProvider(Start);
        var store = new RateLimitStore(Database(), time);
        var ct = CancellationToken.None;

        var created = await store.CreateAsync(Limit("a"), ct);
        Assert.Equal(StoreOutcome.Done, created.Outcome);
        Assert.Equal(1, created.Stored!.Revision);
        Assert.Equal("\"1\"", created.Stored.ETag);
        Assert.Equal(Start, created.Stored.Created);
        Assert.Equal(Start, created.Stored.Updated);
        Refused(StoreOutcome.Conflict, await store.CreateAsync(Limit("a", 9), ct));

        time.Advance(TimeSpan.FromMinutes(1));
        var stale = await store.UpdateAsync(Limit("a", 7), expectedRevision: 7, ct);
        Assert.Equal(StoreOutcome.PreconditionFailed, stale.Outcome);
        Assert.Equal(1, stale.Stored!.Revision);

        var updated = await store.UpdateAsync(Limit("a", 7), expectedRevision: 1, ct);
        Assert.Equal(StoreOutcome.Done, updated.Outcome);
        Assert.Equal(2, updated.Stored!.Revision);
        Assert.Equal(7, updated.Stored.Value.PermitsPerSecond);
        Assert.Equal(Start, updated.Stored.Created);
        Assert.Equal(Start.AddMinutes(1), updated.Stored.Updated);
        Assert.Equal(1, updated.Previous!.Revision);
        Assert.Equal(5, updated.Previous.Value.PermitsPerSecond);

        var unconditional = await store.UpdateAsync(Limit("a", 8), expectedRevision: null, ct);
        Assert.Equal(3, unconditional.Stored!.Revision);
        Refused(StoreOutcome.NotFound, await store.UpdateAsync(Limit("nope"), null, ct));

        var staleDelete = await store.DeleteAsync("a", expectedRevision: 2, ct);
        Assert.Equal(StoreOutcome.PreconditionFailed, staleDelete.Outcome);
        Assert.Equal(3, staleDelete.Stored!.Revision);
        Refused(StoreOutcome.NotFound, await store.DeleteAsync("nope", null, ct));

        var deleted = await store.DeleteAsync("a", expectedRevision: 3, ct);
        Assert.Equal(StoreOutcome.Done, deleted.Outcome);
        Assert.Equal(8, deleted.Stored!.Value.PermitsPerSecond);
        Assert.Null(await store.GetAsync("a", ct));
        Assert.Empty(await store.ListAsync(ct));
    }

    [Fact]
    public async Task A_row_changed_while_it_is_written_is_a_failed_precondition_not_a_lost_update()
    {
        var contexts = Database();
        var store = new InterferingStore(contexts, TimeProvider.System);
        var ct = CancellationToken.None;
        await store.CreateAsync(Limit("a"), ct);

        store.Interfere = true;
        var result = await store.UpdateAsync(Limit("a", 9), expectedRevision: 1, ct);

        Refused(StoreOutcome.PreconditionFailed, result);
        var current = await store.GetAsync("a", ct);
        Assert.Equal(2, current!.Revision);
        Assert.Equal(5, current.Value.PermitsPerSecond);
    }

    [Fact]
    public async Task Warmup_policies_keep_every_field_and_list_by_id()
    {
        var store = new WarmupPolicyStore(Database(), TimeProvider.System);
        var ct = CancellationToken.None;
        var full = new WarmupPolicy
        {
            Id = "b", Target = "local", Function = "hello", Qualifier = "live", Schedule = "*/5 * * * *", TimeZone = "Europe/Paris",
            FanOut = 3, PayloadFormat = WarmupPayloadFormat.Custom, CustomPayload = """{"ping":1}""", HoldMs = 300,
            ActiveWindow = new ActiveWindow { Days = [DayOfWeek.Monday, DayOfWeek.Friday], Start = new TimeOnly(8, 30), End = new TimeOnly(18, 0) },
            Enabled = false, Verify = false, TopUpBudget = 4,
        };

        await store.CreateAsync(full, ct);
        await store.CreateAsync(new WarmupPolicy { Id = "a", Target = "local", Function = "hello", Schedule = "* * * * *" }, ct);
        var read = (await store.GetAsync("b", ct))!.Value;

        Assert.Equal(full with { ActiveWindow = read.ActiveWindow }, read);
        Assert.Equal(full.ActiveWindow.Days, read.ActiveWindow!.Days);
        Assert.Equal((full.ActiveWindow.Start, full.ActiveWindow.End), (read.ActiveWindow.Start, read.ActiveWindow.End));
        Assert.Equal(["a", "b"], (await store.ListAsync(ct)).Select(p => p.Value.Id));

        var updated = await store.UpdateAsync(full with { ActiveWindow = null, Enabled = true }, 1, ct);
        Assert.Null(updated.Stored!.Value.ActiveWindow);
        Assert.False(updated.Previous!.Value.Enabled);
        Assert.True(updated.Stored.Value.Enabled);
    }

    [Fact]
    public async Task Concurrency_policies_are_one_per_function_and_qualifier()
    {
        var store = new ConcurrencyPolicyStore(Database(), TimeProvider.System);
        var ct = CancellationToken.None;
        await store.CreateAsync(Scaling("live"), ct);
        await store.CreateAsync(Scaling("v1", qualifier: "1"), ct);

        Refused(StoreOutcome.Conflict, await store.CreateAsync(Scaling("other"), ct));
        Refused(StoreOutcome.Conflict, await store.UpdateAsync(Scaling("v1", qualifier: "live"), null, ct));
        Assert.Equal("1", (await store.GetAsync("v1", ct))!.Value.Qualifier);
        Assert.Equal("v1", (await store.FindAsync("local", "orders", "1", ct))!.Value.Id);
        Assert.Null(await store.FindAsync("local", "orders", "2", ct));
    }

    [Fact]
    public async Task The_concurrency_listing_is_cached_but_not_past_a_change_through_the_store()
    {
        var contexts = Database();
        var time = new FakeTimeProvider(Start);
        var store = new ConcurrencyPolicyStore(contexts, time);
        var otherInstance = new ConcurrencyPolicyStore(contexts, time);
        var ct = CancellationToken.None;
        await store.CreateAsync(Scaling("a", max: 1), ct);
        Assert.Equal(1, Assert.Single(await store.ListAsync(ct)).Value.Max);

        await otherInstance.UpdateAsync(Scaling("a", max: 2), null, ct);
        Assert.Equal(1, Assert.Single(await store.ListAsync(ct)).Value.Max);
        time.Advance(ConcurrencyPolicyStore.CacheLifetime);
        Assert.Equal(2, Assert.Single(await store.ListAsync(ct)).Value.Max);

        await store.UpdateAsync(Scaling("a", max: 3), null, ct);
        Assert.Equal(3, Assert.Single(await store.ListAsync(ct)).Value.Max);
        await store.CreateAsync(Scaling("b", qualifier: "1"), ct);
        Assert.Equal(2, (await store.ListAsync(ct)).Count);
        await store.DeleteAsync("a", null, ct);
        Assert.Equal("b", Assert.Single(await store.ListAsync(ct)).Value.Id);
    }

    [Fact]
    public async Task A_listing_after_the_cache_expires_has_every_change_of_another_instance_and_reuses_the_rest()
    {
        var contexts = Database();
        var time = new FakeTimeProvider(Start);
        var store = new ConcurrencyPolicyStore(contexts, time);
        var otherInstance = new ConcurrencyPolicyStore(contexts, time);
        var ct = CancellationToken.None;
        // Fewer changes than unchanged policies: a listing with more changes reads everything again.
        string[] kept = ["kept1", "kept2", "kept3", "kept4", "kept5"];
        foreach (var id in kept.Concat(["updated", "deleted", "recreated"]))
        {
            await store.CreateAsync(Scaling(id, qualifier: id, max: 1), ct);
        }

        var before = await store.ListAsync(ct);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await otherInstance.UpdateAsync(Scaling("updated", "updated", max: 2), null, ct);
        await otherInstance.DeleteAsync("deleted", null, ct);
        await otherInstance.DeleteAsync("recreated", null, ct);
        await otherInstance.CreateAsync(Scaling("recreated", "recreated", max: 5), ct); // revision 1 again
        await otherInstance.CreateAsync(Scaling("added", "added", max: 6), ct);
        time.Advance(ConcurrencyPolicyStore.CacheLifetime);

        var after = await store.ListAsync(ct);

        var truth = await new ConcurrencyPolicyStore(contexts, time).ListAsync(ct); // read whole
        static object Seen(Revisioned<ConcurrencyPolicy> p) => (p.Value.Id, p.Value.Qualifier, p.Value.Max, p.Revision, p.Created, p.Updated);
        Assert.Equal(truth.Select(Seen), after.Select(Seen));
        Assert.Equal(["added", .. kept, "recreated", "updated"], after.Select(p => p.Value.Id));
        Assert.Equal([6, 1, 1, 1, 1, 1, 5, 2], after.Select(p => p.Value.Max));
        Assert.All(kept, id => Assert.Same(before.Single(p => p.Value.Id == id), after.Single(p => p.Value.Id == id)));
    }

    /// <summary>A rate-limit store whose update is raced by another writer between its read and its save.</summary>
    [Fact]
    public async Task A_clash_on_update_is_a_conflict_that_EF_Core_does_not_log_as_a_failure()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("warmkeeper-clash-").FullName, "clash.db");
        var logs = new RecordingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
        var options = new DbContextOptionsBuilder<WarmKeeperDbContext>().UseSqlite($"Data Source={file}").UseLoggerFactory(loggerFactory).Options;
        await using (var db = new WarmKeeperDbContext(options))
        {
            await db.Database.MigrateAsync(TestContext.Cancellation);
        }

        var store = new ConcurrencyPolicyStore(new PooledDbContextFactory<WarmKeeperDbContext>(options), new FakeTimeProvider(Start));
        var ct = TestContext.Cancellation;
        Assert.Equal(StoreOutcome.Done, (await store.CreateAsync(Scaling("live"), ct)).Outcome);
        Assert.Equal(StoreOutcome.Done, (await store.CreateAsync(Scaling("blue", qualifier: "blue"), ct)).Outcome);

        Refused(StoreOutcome.Conflict, await store.UpdateAsync(Scaling("blue", qualifier: "live"), expectedRevision: 1, ct));
        Refused(StoreOutcome.Conflict, await store.CreateAsync(Scaling("other", qualifier: "live"), ct));

        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal("blue", (await store.GetAsync("blue", ct))!.Value.Qualifier);
        Assert.Equal(StoreOutcome.Done, (await store.UpdateAsync(Scaling("blue", qualifier: "green", max: 3), expectedRevision: 1, ct)).Outcome);
    }

    private sealed class RecordingLoggerProvider : ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, Entries);

        public void Dispose()
        {
        }

        private sealed class Recorder(string category, System.Collections.Concurrent.ConcurrentQueue<(string, LogLevel, string)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((category, logLevel, formatter(state, exception)));
        }
    }

    private sealed class InterferingStore(IDbContextFactory<WarmKeeperDbContext> contexts, TimeProvider time)
        : RevisionedStore<RateLimitRow, RateLimitSpec>(contexts, time)
    {
        private readonly RateLimitStore _plain = new(contexts, time);

        public bool Interfere { get; set; }

        protected override string IdOf(RateLimitSpec value) => value.Id;

        protected override RateLimitRow NewRow(RateLimitSpec value) => new() { Id = value.Id, Target = value.Target, Spec = Serialize(value) };

        protected override void Write(RateLimitSpec value, RateLimitRow row)
        {
            if (Interfere)
            {
                // Another instance's update lands first: the revision this write read is no longer current.
                _plain.UpdateAsync(value with { PermitsPerSecond = 5 }, null, CancellationToken.None).GetAwaiter().GetResult();
            }

            row.Spec = Serialize(value);
        }

        protected override RateLimitSpec Read(RateLimitRow row) =>
            System.Text.Json.JsonSerializer.Deserialize<RateLimitSpec>(row.Spec, RateLimitStore.Json)!;

        private static string Serialize(RateLimitSpec value) => System.Text.Json.JsonSerializer.Serialize(value, RateLimitStore.Json);
    }
}
