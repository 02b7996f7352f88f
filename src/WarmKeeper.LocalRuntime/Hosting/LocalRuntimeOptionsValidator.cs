using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using WarmKeeper.LocalRuntime.Functions.Process;

namespace WarmKeeper.LocalRuntime.Hosting;

/// <summary>
/// Checks <see cref="LocalRuntimeOptions"/> and reports every problem at once, each with its
/// configuration path (e.g. <c>WarmKeeper:LocalRuntime:Functions:orders:MemoryMb must be between 128 and 10240.</c>).
/// </summary>
public sealed partial class LocalRuntimeOptionsValidator : IValidateOptions<LocalRuntimeOptions>
{
    private static readonly TimeSpan MaxFunctionTimeout = TimeSpan.FromMinutes(15);

    public ValidateOptionsResult Validate(string? name, LocalRuntimeOptions options)
    {
        var errors = Validate(options, LocalRuntimeOptions.SectionName);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Every problem of <paramref name="options"/>, each prefixed with its path under <paramref name="prefix"/>.</summary>
    public static IReadOnlyList<string> Validate(LocalRuntimeOptions options, string prefix)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        void Error(string path, string message) => errors.Add(prefix + ":" + path + " " + message);

        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp)
        {
            Error("Url", "is not an absolute http URL.");
        }
        else
        {
            if (url.AbsolutePath != "/")
            {
                Error("Url", "must not have a path: the Lambda API is served at the root of its own listener.");
            }

            // A disabled runtime listens nowhere, so where it would listen is no risk.
            if (options.Enabled && !IsLoopback(url) && options.Credentials is null)
            {
                Error("Url", "binds a non-loopback address without credentials: set " + prefix + ":Credentials:AccessKeyId and " + prefix + ":Credentials:SecretAccessKey (requests must then be signed with them), or listen on 127.0.0.1.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.Region) || !RegionPattern().IsMatch(options.Region))
        {
            Error("Region", "must be a region name such as us-east-1.");
        }

        if (options.AccountId is null || !AccountPattern().IsMatch(options.AccountId))
        {
            Error("AccountId", "must be twelve digits.");
        }

        if (options.AccountConcurrency < 1)
        {
            Error("AccountConcurrency", "must be at least 1.");
        }

        if (options.UnreservedConcurrencyFloor < 0)
        {
            Error("UnreservedConcurrencyFloor", "must not be negative.");
        }
        else if (options.UnreservedConcurrencyFloor >= options.AccountConcurrency)
        {
            Error("UnreservedConcurrencyFloor", "must be below AccountConcurrency.");
        }

        if (options.IdleTimeout <= TimeSpan.Zero)
        {
            Error("IdleTimeout", "must be positive.");
        }

        if (options.MaxLifetime <= TimeSpan.Zero)
        {
            Error("MaxLifetime", "must be positive.");
        }

        if (options.ProvisioningDelay < TimeSpan.Zero)
        {
            Error("ProvisioningDelay", "must not be negative.");
        }

        if (options.InitTimeout <= TimeSpan.Zero)
        {
            Error("InitTimeout", "must be positive.");
        }

        if (options.AsyncQueueCapacity < 1)
        {
            Error("AsyncQueueCapacity", "must be at least 1.");
        }

        if (options.AsyncConcurrency < 1)
        {
            Error("AsyncConcurrency", "must be at least 1.");
        }

        if (options.Credentials is { } credentials)
        {
            if (string.IsNullOrWhiteSpace(credentials.AccessKeyId))
            {
                Error("Credentials:AccessKeyId", "is required when Credentials is set.");
            }

            if (string.IsNullOrWhiteSpace(credentials.SecretAccessKey))
            {
                Error("Credentials:SecretAccessKey", "is required when Credentials is set.");
            }
        }

        foreach (var (name, function) in options.Functions)
        {
            var at = "Functions:" + name;
            if (!FunctionNamePattern().IsMatch(name))
            {
                Error(at, "is not a valid function name (1 to 64 letters, digits, hyphens or underscores).");
            }

            if (function is null)
            {
                Error(at, "has no settings.");
                continue;
            }

            ValidateFunction(function, at, Error);
        }

        return errors;
    }

    private static bool IsLoopback(Uri url)
    {
        var host = url.Host.Trim('[', ']');
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip));
    }

    private static void ValidateFunction(LocalFunctionOptions function, string at, Action<string, string> error)
    {
        if (!Enum.IsDefined(function.Handler))
        {
            error(at + ":Handler", "must be one of Echo, Work, Burn, Fail, Timeout, Process.");
        }

        if (function.MemoryMb is < 128 or > 10240)
        {
            error(at + ":MemoryMb", "must be between 128 and 10240.");
        }

        if (function.Timeout <= TimeSpan.Zero || function.Timeout > MaxFunctionTimeout)
        {
            error(at + ":Timeout", "must be positive and at most 15 minutes.");
        }

        if (function.InitDuration < TimeSpan.Zero)
        {
            error(at + ":InitDuration", "must not be negative.");
        }

        if (function.WorkDuration < TimeSpan.Zero)
        {
            error(at + ":WorkDuration", "must not be negative.");
        }

        if (function.Description is { Length: > 256 })
        {
            error(at + ":Description", "must be at most 256 characters.");
        }

        if (function.Handler == LocalHandlerKind.Process && string.IsNullOrWhiteSpace(function.Command))
        {
            error(at + ":Command", "is required for a Process function.");
        }

        if (function.HandlerName is not null && !HandlerNamePattern().IsMatch(function.HandlerName))
        {
            error(at + ":HandlerName", "must be 1 to 128 characters without spaces, such as index.handler.");
        }

        if (function.Runtime is not null && !RuntimePattern().IsMatch(function.Runtime))
        {
            error(at + ":Runtime", "'" + function.Runtime + "' is not a Lambda runtime identifier (such as nodejs20.x, python3.12, java21, dotnet8, ruby3.3, provided.al2023).");
        }
        else if (function.Handler == LocalHandlerKind.Process && function.Runtime is not null
            && !function.Runtime.StartsWith("provided", StringComparison.Ordinal) && string.IsNullOrWhiteSpace(function.HandlerName))
        {
            error(at + ":HandlerName", "is required for runtime " + function.Runtime + " (the runtime client loads it, such as index.handler).");
        }

        foreach (var name in function.Environment.Keys)
        {
            if (LambdaEnvironmentVariables.Reserved.Contains(name))
            {
                error(at + ":Environment:" + name, "is reserved: Lambda sets it and a function's configuration may not.");
            }
        }

        var versions = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < function.Versions.Count; i++)
        {
            var v = function.Versions[i];
            if (!long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || v != n.ToString(CultureInfo.InvariantCulture))
            {
                error(at + ":Versions:" + i.ToString(CultureInfo.InvariantCulture), "'" + v + "' is not a version number (1, 2, …).");
            }
            else if (!versions.Add(v))
            {
                error(at + ":Versions:" + i.ToString(CultureInfo.InvariantCulture), "'" + v + "' is listed twice.");
            }
        }

        foreach (var (alias, target) in function.Aliases)
        {
            var aliasAt = at + ":Aliases:" + alias;
            if (!AliasPattern().IsMatch(alias) || AllDigits().IsMatch(alias))
            {
                error(aliasAt, "is not a valid alias name (1 to 128 letters, digits, hyphens or underscores, not only digits).");
            }

            if (target != "$LATEST" && !versions.Contains(target ?? string.Empty))
            {
                error(aliasAt, "points to version " + target + ", which is not published.");
            }
        }

        if (Engine.TagRules.Check(function.Tags) is { } tagProblem)
        {
            error(at + ":Tags", tagProblem);
        }
    }

    [GeneratedRegex("^\\S{1,128}\\z")]
    private static partial Regex HandlerNamePattern();

    [GeneratedRegex("^(nodejs\\d+\\.x|python3\\.\\d+|java\\d+(\\.al2)?|dotnet\\d+|ruby\\d\\.\\d+|provided(\\.al2|\\.al2023)?)\\z")]
    private static partial Regex RuntimePattern();

    [GeneratedRegex("^[a-z]{2}(-gov)?-[a-z]+-\\d\\z")]
    private static partial Regex RegionPattern();

    [GeneratedRegex("^\\d{12}\\z")]
    private static partial Regex AccountPattern();

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}\\z")]
    private static partial Regex FunctionNamePattern();

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,128}\\z")]
    private static partial Regex AliasPattern();

    [GeneratedRegex("^\\d+\\z")]
    private static partial Regex AllDigits();
}
