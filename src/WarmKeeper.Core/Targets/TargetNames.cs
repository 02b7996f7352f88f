namespace WarmKeeper.Core.Targets;

/// <summary>Names of targets that every part of WarmKeeper knows without configuration.</summary>
public static class TargetNames
{
    /// <summary>The built-in local runtime: the embedded default target, and the source name of its observations.</summary>
    public const string Local = "local";
}
