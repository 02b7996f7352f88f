namespace WarmKeeper.Core.Tests.Simulation;

/// <summary>Finds the shared demand traces: $WARMKEEPER_TRACES, else ../shared/traces beside the repository root (or beside one of its parents, for worktrees).</summary>
internal static class TraceLocator
{
    public const string EnvironmentVariable = "WARMKEEPER_TRACES";

    public static string TracesFolder()
    {
        var looked = new List<string>();
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            if (Directory.Exists(fromEnvironment))
            {
                return fromEnvironment;
            }

            throw new DirectoryNotFoundException($"{EnvironmentVariable} is set to '{fromEnvironment}', which does not exist.");
        }

        var repositoryRoot = RepositoryRoot();
        for (var directory = repositoryRoot.Parent; directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "traces");
            looked.Add(candidate);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"The demand traces were not found. Looked in: {string.Join(", ", looked)}. " +
            $"Put the traces in ../shared/traces next to the repository or set {EnvironmentVariable}.");
    }

    public static string Trace(string name) => Path.Combine(TracesFolder(), name);

    private static DirectoryInfo RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "WarmKeeper.sln")))
            {
                return directory;
            }
        }

        throw new DirectoryNotFoundException($"No WarmKeeper.sln above {AppContext.BaseDirectory}; cannot locate ../shared/traces (set {EnvironmentVariable}).");
    }
}
