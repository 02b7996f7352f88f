namespace WarmKeeper.Testing;

/// <summary>
/// Debian's Chromium (package <c>chromium</c>) for browser tests: Playwright cannot download a browser
/// here, so it launches this one. Found at <c>WARMKEEPER_CHROMIUM</c>, on PATH, or in the usual places.
/// </summary>
public static class Chromium
{
    public const string VariableName = "WARMKEEPER_CHROMIUM";

    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable(VariableName) is { Length: > 0 } given && File.Exists(given))
        {
            return given;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        string[] names = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/local/bin", "/snap/bin"])
            .SelectMany(dir => names.Select(name => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);
    }
}
