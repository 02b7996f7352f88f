using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using WarmKeeper.Lambda.Wire;
using WarmKeeper.LocalRuntime.Functions.Process;

namespace WarmKeeper.LocalRuntime.Engine;

/// <summary>A configured function: its code (handler), published versions and aliases, and its ARNs.</summary>
public sealed class FunctionDefinition
{
    public const string Latest = "$LATEST";

    internal FunctionDefinition(string name, LocalFunctionOptions options, string arnPrefix, string lastModified)
    {
        Name = name;
        Options = options;
        Arn = arnPrefix + name;
        LastModified = lastModified;
        var versions = new List<string>(options.Versions.Count);
        foreach (var v in options.Versions)
        {
            versions.Add(v.Trim());
        }

        versions.Sort(static (a, b) => ParseVersion(a).CompareTo(ParseVersion(b)));
        PublishedVersions = versions;
        Aliases = new SortedDictionary<string, string>(options.Aliases, StringComparer.Ordinal);
        CodeSha256 = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(
            name + "|" + options.Handler + "|" + options.Command)));
        RevisionId = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(name + "|" + lastModified)).AsSpan(0, 16)).ToString();
    }

    public string Name { get; }
    public LocalFunctionOptions Options { get; }

    /// <summary>The unqualified ARN.</summary>
    public string Arn { get; }

    /// <summary>Published versions, in ascending numeric order.</summary>
    public IReadOnlyList<string> PublishedVersions { get; }

    /// <summary>Aliases by name (sorted), each pointing to a version.</summary>
    public IReadOnlyDictionary<string, string> Aliases { get; }

    public string LastModified { get; }
    public string CodeSha256 { get; }
    public string RevisionId { get; }

    public string QualifiedArn(string qualifier) => Arn + ":" + qualifier;

    /// <summary>$LATEST, a published version, or an alias to the version it points to; null if none.</summary>
    public string? ResolveVersion(string? qualifier)
    {
        if (qualifier is null || qualifier == Latest)
        {
            return Latest;
        }

        foreach (var v in PublishedVersions)
        {
            if (v == qualifier)
            {
                return v;
            }
        }

        return Aliases.TryGetValue(qualifier, out var target) ? target : null;
    }

    public bool IsPublishedVersion(string qualifier)
    {
        foreach (var v in PublishedVersions)
        {
            if (v == qualifier)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The runtime name shown in FunctionConfiguration: the process function's <c>Runtime</c> setting.</summary>
    public string RuntimeName => Options.Handler == LocalHandlerKind.Process
        ? LambdaEnvironmentVariables.RuntimeOf(Options)
        : "warmkeeper.builtin";

    /// <summary>The handler string shown in FunctionConfiguration: the one the process gets as <c>_HANDLER</c>.</summary>
    public string HandlerName => Options.Handler == LocalHandlerKind.Process
        ? LambdaEnvironmentVariables.HandlerOf(Options)
        : Options.Handler.ToString().ToLowerInvariant();

    public FunctionConfiguration ToConfiguration(string version, bool qualifiedArn, string region, string accountId)
    {
        var timeoutSeconds = (int)Math.Ceiling(Options.Timeout.TotalSeconds);
        return new FunctionConfiguration
        {
            FunctionName = Name,
            FunctionArn = qualifiedArn ? QualifiedArn(version) : Arn,
            Runtime = RuntimeName,
            Role = "arn:aws:iam::" + accountId + ":role/warmkeeper-local",
            Handler = HandlerName,
            CodeSize = 0,
            Description = Options.Description ?? string.Empty,
            Timeout = Math.Max(1, timeoutSeconds),
            MemorySize = Options.MemoryMb,
            LastModified = LastModified,
            CodeSha256 = CodeSha256,
            Version = version,
            RevisionId = RevisionId,
            State = "Active",
            LastUpdateStatus = "Successful",
            PackageType = "Zip",
            Architectures = ["x86_64"],
        };
    }

    private static long ParseVersion(string v) =>
        long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue;
}

internal static class LambdaTimestamps
{
    /// <summary>Lambda's LastModified format, e.g. <c>2026-11-27T07:00:00.000+0000</c>.</summary>
    public static string Format(DateTimeOffset t) =>
        t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", CultureInfo.InvariantCulture);
}
