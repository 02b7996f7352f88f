using WarmKeeper.Lambda;

namespace WarmKeeper.Agent.Hosting;

/// <summary>The agent's own settings (section <c>WarmKeeper</c>).</summary>
public sealed class AgentOptions
{
    public const string SectionName = "WarmKeeper";

    /// <summary>Where data files (the SQLite database) go; relative paths are resolved against the working directory.</summary>
    public string DataDirectory { get; set; } = ".";

    /// <summary>
    /// Lambda targets other than the built-in <c>local</c> one, by name (AWS in a region, or any
    /// endpoint that speaks its API); each is validated by the Lambda client's own rules too.
    /// </summary>
    public Dictionary<string, LambdaTargetOptions> Targets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How the dashboard's Data Protection key ring is protected at rest.</summary>
    public WarmKeeper.Agent.Dashboard.DataProtectionCertificateOptions DataProtection { get; set; } = new();
}
