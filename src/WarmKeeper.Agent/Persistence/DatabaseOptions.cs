using Microsoft.Extensions.Options;

namespace WarmKeeper.Agent.Persistence;

public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}

/// <summary>Section <c>WarmKeeper:Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "WarmKeeper:Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Null for SQLite means <c>warmkeeper.db</c> in the data directory.</summary>
    public string? ConnectionString { get; set; }
}

internal sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(options.Provider))
        {
            errors.Add($"{DatabaseOptions.SectionName}:Provider must be Sqlite or PostgreSql.");
        }

        if (options.Provider == DatabaseProvider.PostgreSql)
        {
            // The store is provider-neutral EF Core, but the PostgreSQL migrations and Hangfire storage
            // that the multi-instance mode needs are not in this build: refuse rather than fail later.
            errors.Add($"{DatabaseOptions.SectionName}:Provider PostgreSql is not available in this build yet; use Sqlite (the default).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
