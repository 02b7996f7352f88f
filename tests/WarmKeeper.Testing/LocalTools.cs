namespace WarmKeeper.Testing;

/// <summary>Where the tests find programs on this machine and the repository they run from.</summary>
public static class LocalTools
{
    /// <summary>The first of <paramref name="name"/> in PATH's directories, or null.</summary>
    public static string? FindOnPath(string name)
    {
        var file = OperatingSystem.IsWindows() ? name + ".exe" : name;
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, file);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The folder holding WarmKeeper.sln above the test's binaries, or null when the tests run elsewhere.</summary>
    public static string? FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "WarmKeeper.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
