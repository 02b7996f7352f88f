using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.Options;
using WarmKeeper.Agent.Hosting;

namespace WarmKeeper.Agent.Persistence;

internal static class PersistenceServiceCollectionExtensions
{
    public static IServiceCollection AddWarmKeeperPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>()
            .Bind(configuration.GetSection(DatabaseOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();

        services.AddDbContextFactory<WarmKeeperDbContext>((sp, db) =>
        {
            var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var agent = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            switch (options.Provider)
            {
                case DatabaseProvider.Sqlite:
                    db.UseSqlite(options.ConnectionString ?? SqliteConnectionString(agent.DataDirectory));
                    break;
                default:
                    throw new InvalidOperationException(
                        $"{DatabaseOptions.SectionName}:Provider {options.Provider} is not available in this build yet; use Sqlite.");
            }
        });

        // Runs first among hosted services: nothing reads the store before its schema is current.
        services.AddHostedService<DatabaseMigrator>();
        return services;
    }

    public static string SqliteConnectionString(string dataDirectory)
    {
        var directory = Path.GetFullPath(string.IsNullOrWhiteSpace(dataDirectory) ? "." : dataDirectory);
        Directory.CreateDirectory(directory);
        return $"Data Source={Path.Combine(directory, "warmkeeper.db")};Cache=Shared";
    }
}

/// <summary>Applies schema migrations at start.</summary>
internal sealed partial class DatabaseMigrator(IDbContextFactory<WarmKeeperDbContext> contexts, ILogger<DatabaseMigrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // Write-ahead logging: readers never wait for the writer, and each small commit (an event)
            // costs an append instead of a rewrite of the journal. The mode is stored in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            LogMigrating(pending.Count, string.Join(", ", pending));
            await db.Database.MigrateAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} database migration(s): {Migrations}")]
    private partial void LogMigrating(int count, string migrations);
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the agent.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<WarmKeeperDbContext>
{
    public WarmKeeperDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<WarmKeeperDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
