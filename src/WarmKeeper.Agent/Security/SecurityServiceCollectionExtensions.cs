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
        services.AddSingleton<AuthenticationFailureLimiter>();

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, p => p.RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, ApiScopes.Read, ApiScopes.Write))
            .AddPolicy(WritePolicy, p => p.RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, ApiScopes.Write));
        return services;
    }

    /// <summary>True for a URL whose host is a loopback address or <c>localhost</c>; wildcards (<c>*</c>, <c>+</c>) are not.</summary>
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
