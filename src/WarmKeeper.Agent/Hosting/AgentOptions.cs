namespace WarmKeeper.Agent.Hosting;

/// <summary>The agent's own settings (section <c>WarmKeeper</c>).</summary>
public sealed class AgentOptions
{
    public const string SectionName = "WarmKeeper";

    /// <summary>Where data files (the SQLite database) go; relative paths are resolved against the working directory.</summary>
    public string DataDirectory { get; set; } = ".";

    /// <summary>Lambda targets other than the built-in <c>local</c> one, by name.</summary>
    public Dictionary<string, TargetOptions> Targets { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A Lambda endpoint the agent manages: AWS itself in a region, or anything that speaks its API.</summary>
public sealed class TargetOptions
{
    public string? Region { get; set; }

    /// <summary>Endpoint override, e.g. another WarmKeeper's local runtime; null means AWS's regional endpoint.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>A named profile from the shared credentials file; null uses the default credentials chain.</summary>
    public string? Profile { get; set; }
}
