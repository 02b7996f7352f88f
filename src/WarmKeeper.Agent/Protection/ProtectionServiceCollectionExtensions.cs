using Microsoft.Extensions.Options;

namespace WarmKeeper.Agent.Protection;

internal static class ProtectionServiceCollectionExtensions
{
    /// <summary>The invoke proxy, its rate limits (stored, reloaded, shared through Redis when configured) and its resilience.</summary>
    public static IServiceCollection AddWarmKeeperProtection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProxyOptions>()
            .Bind(configuration.GetSection(ProxyOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProxyOptions>, ProxyOptionsValidator>();
        services.AddSingleton<RateLimitStore>();
        services.AddSingleton<RateLimitRegistry>();
        services.AddSingleton<ProxyResilience>();
        services.AddSingleton<ProxyObservations>();
        services.AddSingleton<InvokeProxyEndpoint>();
        services.AddSingleton<ReservedConcurrencyService>();
        services.AddHostedService<RateLimitMaintenance>();
        services.AddSingleton<InvokeProxyHost>();
        services.AddHostedService(sp => sp.GetRequiredService<InvokeProxyHost>());
        return services;
    }
}
