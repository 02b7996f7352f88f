using Microsoft.Extensions.Options;
using WarmKeeper.Core.Observations;

namespace WarmKeeper.Agent.Protection;

internal static partial class ProtectionServiceCollectionExtensions
{
    /// <summary>The key of the proxy's own <see cref="InvocationObserverDispatcher"/> (the local runtime has its own inside the engine).</summary>
    public const string ProxyObservationsKey = "WarmKeeper.Proxy.Observations";

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
        services.AddKeyedSingleton(ProxyObservationsKey, static (sp, _) =>
        {
            var logger = sp.GetRequiredService<ILogger<InvokeProxyEndpoint>>();
            return new InvocationObserverDispatcher(sp.GetServices<IInvocationObserver>(), e => LogObserverFailed(logger, e));
        });
        services.AddSingleton<InvokeProxyEndpoint>();
        services.AddSingleton<ReservedConcurrencyService>();
        services.AddHostedService<RateLimitMaintenance>();
        services.AddSingleton<InvokeProxyHost>();
        services.AddHostedService(sp => sp.GetRequiredService<InvokeProxyHost>());
        return services;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An invocation observer failed on a proxied invocation")]
    private static partial void LogObserverFailed(ILogger logger, Exception exception);
}
