using Microsoft.Extensions.Options;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Observations;

namespace WarmKeeper.Agent.Protection;

internal static partial class ProtectionServiceCollectionExtensions
{
    /// <summary>The key of the proxy's own <see cref="InvocationObserverDispatcher"/> (the local runtime has its own inside the engine).</summary>
    public const string ProxyObservationsKey = "WarmKeeper.Proxy.Observations";

    /// <summary>
    /// The invoke proxy, its rate limits (stored, reloaded, shared through Redis when configured) and its resilience;
    /// the proof of the agent's own pings and the ledger of those sent.
    /// </summary>
    public static IServiceCollection AddWarmKeeperProtection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProxyOptions>()
            .Bind(configuration.GetSection(ProxyOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProxyOptions>, ProxyOptionsValidator>();
        services.AddOptions<AgentPingOptions>()
            .Bind(configuration.GetSection(AgentPingOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentPingOptions>, AgentPingOptionsValidator>();
        // One proof for the pinger, the proxy and the built-in runtime: each recognises what the others signed.
        services.AddSingleton(sp => AgentPingOptions.Create(sp.GetRequiredService<IOptions<AgentPingOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new SentPings(sp.GetRequiredService<TimeProvider>()));
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
