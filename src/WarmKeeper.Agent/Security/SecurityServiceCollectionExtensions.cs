using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace WarmKeeper.Agent.Security;

internal static class SecurityServiceCollectionExtensions
{
    public const string ReadPolicy = "read";
    public const string WritePolicy = "write";

    public static IServiceCollection AddWarmKeeperSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiSecurityOptions>()
            .Bind(configuration.GetSection(ApiSecurityOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiSecurityOptions>, ApiSecurityOptionsValidator>();
        services.AddSingleton<ApiKeyVerifier>();

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, p => p.RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, ApiScopes.Read, ApiScopes.Write))
            .AddPolicy(WritePolicy, p => p.RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, ApiScopes.Write));
        return services;
    }

    /// <summary>
    /// Problems with listeners that would be reachable beyond this machine without credentials: an
    /// agent that can change concurrency in a cloud account must not be open to the network by accident.
    /// </summary>
    public static IReadOnlyList<string> FindOpenListeners(IConfiguration configuration)
    {
        var problems = new List<string>();
        var urls = (configuration["urls"] ?? "http://127.0.0.1:5080").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var open = urls.Where(u => !IsLoopback(u)).ToList();
        if (open.Count > 0 && !configuration.GetSection($"{ApiSecurityOptions.SectionName}:Keys").GetChildren().Any())
        {
            problems.Add(
                $"urls: the agent would listen on {string.Join(", ", open)} without API keys. Configure at least one key under " +
                $"{ApiSecurityOptions.SectionName}:Keys (e.g. WarmKeeper__Api__Keys__ops__Hash=<output of 'warmkeeper hash-key <key>'> and " +
                "WarmKeeper__Api__Keys__ops__Scopes__0=write, WarmKeeper__Api__Keys__ops__Scopes__1=read), or bind to 127.0.0.1.");
        }

        var runtimeUrl = configuration["WarmKeeper:LocalRuntime:Url"];
        var runtimeEnabled = !string.Equals(configuration["WarmKeeper:LocalRuntime:Enabled"], "false", StringComparison.OrdinalIgnoreCase);
        if (runtimeEnabled && runtimeUrl is not null && IsHttpUrl(runtimeUrl) && !IsLoopback(runtimeUrl)
            && string.IsNullOrEmpty(configuration["WarmKeeper:LocalRuntime:Credentials:SecretAccessKey"]))
        {
            problems.Add(
                $"WarmKeeper:LocalRuntime:Url: the local runtime would listen on {runtimeUrl} without credentials. Set " +
                "WarmKeeper:LocalRuntime:Credentials:AccessKeyId and :SecretAccessKey (callers must then sign with them), or bind to 127.0.0.1.");
        }

        return problems;
    }

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    public static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return false;
        }

        if (uri.IsLoopback)
        {
            return true;
        }

        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }
}
