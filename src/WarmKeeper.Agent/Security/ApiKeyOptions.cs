using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace WarmKeeper.Agent.Security;

/// <summary>Section <c>WarmKeeper:Api</c>: who may call the REST API, the dashboard and /hangfire.</summary>
public sealed class ApiSecurityOptions
{
    public const string SectionName = "WarmKeeper:Api";

    /// <summary>API keys by name. Only the SHA-256 of each key is configured, never the key itself.</summary>
    public Dictionary<string, ApiKeyOptions> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How many wrong keys or sign-ins one client address may send before it is answered 429.</summary>
    public FailedAuthenticationOptions FailedAuthentication { get; set; } = new();
}

/// <summary>Section <c>WarmKeeper:Api:FailedAuthentication</c>: a token bucket of failures per client address.</summary>
public sealed class FailedAuthenticationOptions
{
    /// <summary>Failures allowed at once.</summary>
    public int Burst { get; set; } = 10;

    /// <summary>Failures allowed per minute after the burst.</summary>
    public double PerMinute { get; set; } = 10;

    /// <summary>Failures are logged once per address per interval, with their count.</summary>
    public TimeSpan LogInterval { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class ApiKeyOptions
{
    /// <summary><c>sha256:</c> followed by 64 hex digits; <c>warmkeeper hash-key &lt;key&gt;</c> prints it.</summary>
    public string? Hash { get; set; }

    /// <summary><c>read</c>, <c>write</c> (write implies nothing else: give both for full access).</summary>
    public List<string> Scopes { get; set; } = [];
}

public static class ApiScopes
{
    public const string Read = "read";
    public const string Write = "write";
}

public static class ApiKeyHashing
{
    public const string Prefix = "sha256:";

    public static string Hash(string key) =>
        Prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static bool TryParse(string? configured, out byte[] digest)
    {
        digest = [];
        if (configured is null || !configured.StartsWith(Prefix, StringComparison.Ordinal) || configured.Length != Prefix.Length + 64)
        {
            return false;
        }

        try
        {
            digest = Convert.FromHexString(configured.AsSpan(Prefix.Length));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

internal sealed class ApiSecurityOptionsValidator : IValidateOptions<ApiSecurityOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiSecurityOptions options)
    {
        var errors = new List<string>();
        foreach (var (keyName, key) in options.Keys)
        {
            var path = $"{ApiSecurityOptions.SectionName}:Keys:{keyName}";
            if (!ApiKeyHashing.TryParse(key.Hash, out _))
            {
                errors.Add($"{path}:Hash must be 'sha256:' and 64 hex digits (run: warmkeeper hash-key <key>); the key itself is never configured.");
            }

            if (key.Scopes.Count == 0)
            {
                errors.Add($"{path}:Scopes must list at least one of read, write.");
            }

            foreach (var scope in key.Scopes.Where(s => s is not (ApiScopes.Read or ApiScopes.Write)))
            {
                errors.Add($"{path}:Scopes: '{scope}' is not a scope (read, write).");
            }
        }

        var failed = options.FailedAuthentication;
        var at = $"{ApiSecurityOptions.SectionName}:FailedAuthentication";
        if (failed.Burst < 1)
        {
            errors.Add($"{at}:Burst must be at least 1, not {failed.Burst}.");
        }

        if (!(failed.PerMinute > 0) || double.IsInfinity(failed.PerMinute))
        {
            errors.Add($"{at}:PerMinute must be a positive number, not {failed.PerMinute}.");
        }

        if (failed.LogInterval < TimeSpan.FromSeconds(1))
        {
            errors.Add($"{at}:LogInterval must be at least 00:00:01, not {failed.LogInterval}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
