using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Observations;
using WarmKeeper.Core.Scaling;

namespace WarmKeeper.Benchmarks;

// What the reconcile benchmark runs on: a migrated SQLite database, its 10,000 policies and their recorded demand;
// the measurements are in ReconcileBenchmark.cs.
internal static partial class ReconcileBenchmark
{
    /// <summary>Runs <paramref name="action"/> on a migrated SQLite database in a temporary directory, deleted after.</summary>
    private static async Task WithDatabaseAsync(Func<IDbContextFactory<WarmKeeperDbContext>, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("warmkeeper-bench-reconcile-").FullName;
        var services = new ServiceCollection()
            .AddDbContextFactory<WarmKeeperDbContext>(db => db.UseSqlite(PersistenceServiceCollectionExtensions.SqliteConnectionString(directory)))
            .BuildServiceProvider();
        try
        {
            var contexts = services.GetRequiredService<IDbContextFactory<WarmKeeperDbContext>>();
            await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            {
                await db.Database.MigrateAsync(cancellationToken);
            }

            await action(contexts, cancellationToken);
        }
        finally
        {
            await services.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A temp directory left behind is harmless.
            }
        }
    }

    private static ConcurrencyPolicy Policy(int i) => new()
    {
        Id = $"fn-{i:D5}-{Qualifier}",
        Target = Target,
        Function = $"fn-{i:D5}",
        Qualifier = Qualifier,
        Min = 0,
        Max = 100,
    };

    private static async Task InsertAsync(IDbContextFactory<WarmKeeperDbContext> contexts, IEnumerable<ConcurrencyPolicy> policies, CancellationToken cancellationToken)
    {
        // As ConcurrencyPolicyStore.CreateAsync writes them, in one transaction.
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        foreach (var policy in policies)
        {
            db.ConcurrencyPolicies.Add(new ConcurrencyPolicyRow
            {
                Id = policy.Id,
                Target = policy.Target,
                Function = policy.Function,
                Qualifier = policy.Qualifier,
                Document = JsonSerializer.Serialize(policy, json),
                Revision = 1,
                CreatedUnixMs = 0,
                UpdatedUnixMs = 0,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Every second, every function: one invocation of 0.8 s with 1 to 8 in flight (by function).</summary>
    private static void RecordDemand(DemandRecorder demand, FakeTimeProvider time)
    {
        var templates = Enumerable.Range(0, FunctionCount).Select(i => new InvocationObserved
        {
            Source = Target,
            RequestId = "bench",
            FunctionName = $"fn-{i:D5}",
            Qualifier = Qualifier,
            InvocationType = "RequestResponse",
            Start = InvocationStart.Warm,
            RunDuration = TimeSpan.FromMilliseconds(800),
            InFlightAtStart = 1 + (i % 8),
        }).ToArray();
        for (var second = 0; second < ObservedSeconds; second++)
        {
            var now = time.GetUtcNow();
            foreach (var template in templates)
            {
                demand.OnInvocation(template with { StartedAt = now });
            }

            time.Advance(TimeSpan.FromSeconds(1));
        }
    }
}
