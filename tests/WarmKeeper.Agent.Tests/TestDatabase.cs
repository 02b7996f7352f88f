using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using WarmKeeper.Agent.Persistence;

namespace WarmKeeper.Agent.Tests;

/// <summary>A migrated SQLite database of the agent's in a new temporary directory.</summary>
internal static class TestDatabase
{
    public static PooledDbContextFactory<WarmKeeperDbContext> Create(string name)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory($"warmkeeper-{name}-").FullName, $"{name}.db");
        var options = new DbContextOptionsBuilder<WarmKeeperDbContext>().UseSqlite($"Data Source={file}").Options;
        using (var db = new WarmKeeperDbContext(options))
        {
            db.Database.Migrate();
        }

        return new PooledDbContextFactory<WarmKeeperDbContext>(options);
    }
}
