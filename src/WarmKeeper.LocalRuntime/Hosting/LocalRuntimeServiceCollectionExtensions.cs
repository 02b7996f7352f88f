using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WarmKeeper.Core.Observations;
using WarmKeeper.Core.Warmup;
using WarmKeeper.LocalRuntime.Engine;
using WarmKeeper.LocalRuntime.Functions;

namespace WarmKeeper.LocalRuntime.Hosting;

public static class LocalRuntimeServiceCollectionExtensions
{
    /// <summary>
    /// The service key of the <see cref="IFunctionHandlerFactory"/> that creates process-function
    /// handlers: <c>services.AddKeyedSingleton&lt;IFunctionHandlerFactory, ProcessFunctionHandlerFactory&gt;(ProcessFunctionsKey)</c>.
    /// </summary>
    public const string ProcessFunctionsKey = "WarmKeeper.LocalRuntime.ProcessFunctions";

    /// <summary>
    /// Binds <see cref="LocalRuntimeOptions"/> from <c>WarmKeeper:LocalRuntime</c> (validated at start,
    /// every problem listed), registers the <see cref="LocalLambdaEngine"/> and the
    /// <see cref="LocalRuntimeHost"/> that serves it when <see cref="LocalRuntimeOptions.Enabled"/>.
    /// Optional collaborators are taken from the container: a keyed process-function factory
    /// (<see cref="ProcessFunctionsKey"/>), an <see cref="IRequestAuthenticator"/>, every <see cref="IInvocationObserver"/>,
    /// the agent's <see cref="AgentPingProof"/> (its own pings are marked so that they are not counted as demand).
    /// </summary>
    public static IServiceCollection AddLocalRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<LocalRuntimeOptions>()
            .Bind(configuration.GetSection(LocalRuntimeOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LocalRuntimeOptions>, LocalRuntimeOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var time = sp.GetRequiredService<TimeProvider>();
            var processFunctions = sp.GetKeyedService<IFunctionHandlerFactory>(ProcessFunctionsKey);
            return new LocalLambdaEngine(
                sp.GetRequiredService<IOptions<LocalRuntimeOptions>>().Value,
                new FunctionHandlerFactory(processFunctions, time),
                time,
                sp.GetService<ILoggerFactory>(),
                sp.GetServices<IInvocationObserver>(),
                sp.GetService<AgentPingProof>());
        });
        services.TryAddSingleton<LocalRuntimeHost>();
        services.AddHostedService(sp => sp.GetRequiredService<LocalRuntimeHost>());
        return services;
    }
}

/// <summary>Starts and stops the local runtime's listener with the host (when enabled).</summary>
public sealed partial class LocalRuntimeHost(
    LocalLambdaEngine engine,
    IOptions<LocalRuntimeOptions> options,
    ILogger<LocalRuntimeHost> logger,
    IServiceProvider services) : IHostedService, IAsyncDisposable
{
    private LocalRuntimeServer? _server;

    /// <summary>The listener's address once started; null when disabled or not yet started.</summary>
    public Uri? BaseAddress => _server?.BaseAddress;

    public LocalLambdaEngine Engine => engine;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            LogDisabled(logger);
            return;
        }

        _server = await LocalRuntimeServer.StartAsync(engine, services.GetService<IRequestAuthenticator>(), cancellationToken);
        LogListening(logger, _server.BaseAddress, engine.Functions.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server)
        {
            _server = null;
            await server.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        await engine.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Local Lambda runtime listening on {BaseAddress} with {FunctionCount} functions")]
    private static partial void LogListening(ILogger logger, Uri baseAddress, int functionCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Local Lambda runtime disabled (WarmKeeper:LocalRuntime:Enabled=false)")]
    private static partial void LogDisabled(ILogger logger);
}
