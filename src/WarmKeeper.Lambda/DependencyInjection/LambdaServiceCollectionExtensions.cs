using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WarmKeeper.Lambda;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Lambda targets: one named HttpClient and one <see cref="ILambdaControlPlane"/> per target.</summary>
public static class LambdaServiceCollectionExtensions
{
    /// <summary>The IHttpClientFactory name of a target's client.</summary>
    public static string HttpClientName(string targetName) => "WarmKeeper.Lambda." + targetName;

    /// <summary>
    /// Registers target <paramref name="targetName"/>, bound from <paramref name="configuration"/>
    /// (the target's own section). Its options are validated at start-up, listing every problem.
    /// Resolve it as <c>[FromKeyedServices(name)] ILambdaControlPlane</c> or through <see cref="ILambdaControlPlanes"/>.
    /// </summary>
    public static IServiceCollection AddLambdaControlPlane(this IServiceCollection services, string targetName, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddLambdaControlPlane(targetName, options => configuration.Bind(options));
    }

    /// <summary>Registers target <paramref name="targetName"/>, configured by <paramref name="configure"/>.</summary>
    public static IServiceCollection AddLambdaControlPlane(this IServiceCollection services, string targetName, Action<LambdaTargetOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(targetName);
        ArgumentNullException.ThrowIfNull(configure);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LambdaTargetOptions>, LambdaTargetOptionsValidator>());
        services.TryAddSingleton<ILambdaControlPlanes, LambdaControlPlanes>();
        services.AddSingleton(new LambdaTargetRegistration(targetName));

        services.AddOptions<LambdaTargetOptions>(targetName)
            .Configure(options =>
            {
                configure(options);
                options.Name = targetName;
            })
            .ValidateOnStart();

        // One long-lived client per target: its handler is never rotated by the factory (the
        // handler's own PooledConnectionLifetime refreshes connections), so a singleton may keep it.
        services.AddHttpClient(HttpClientName(targetName))
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp =>
                LambdaControlPlane.CreatePrimaryHandler(sp.GetRequiredService<IOptionsMonitor<LambdaTargetOptions>>().Get(targetName)))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);

        services.AddKeyedSingleton<ILambdaControlPlane>(targetName, (sp, _) => new LambdaControlPlane(
            sp.GetRequiredService<IOptionsMonitor<LambdaTargetOptions>>().Get(targetName),
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName(targetName)),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<LambdaControlPlane>>()));

        return services;
    }
}
