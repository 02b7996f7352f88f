namespace WarmKeeper.Core.Tests.Simulation;

/// <summary>
/// Finds the demand traces: $WARMKEEPER_TRACES when set (to run the suite on other traces), else the
/// repository's own <c>samples/traces</c>, so that a clone passes its tests with nothing beside it.
/// </summary>
internal static class TraceLocator
{
    public const string EnvironmentVariable = "WARMKEEPER_TRACES";

    public static string TracesFolder()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            if (Directory.Exists(fromEnvironment))
            {
                return fromEnvironment;
            }

            throw new DirectoryNotFoundException($"{EnvironmentVariable} is set to '{fromEnvironment}', which does not exist.");
        }

        var samples = Path.Combine(RepositoryRoot().FullName, "samples", "traces");
        return Directory.Exists(samples)
            ? samples
            : throw new DirectoryNotFoundException($"The demand traces were not found in {samples}; set {EnvironmentVariable} to a folder of traces.");
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

        throw new DirectoryNotFoundException($"No WarmKeeper.sln above {AppContext.BaseDirectory}; cannot locate samples/traces (set {EnvironmentVariable}).");
    }
}
