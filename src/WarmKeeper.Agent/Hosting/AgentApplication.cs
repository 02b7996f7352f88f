using Hangfire;
using Hangfire.InMemory;
using Microsoft.Extensions.Options;
using WarmKeeper.Agent.Api;
using WarmKeeper.Agent.Dashboard;
using WarmKeeper.Agent.Demo;
using WarmKeeper.Agent.Events;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Agent.Scaling;
using WarmKeeper.Agent.Protection;
using WarmKeeper.Agent.Security;
using WarmKeeper.Agent.Simulation;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Observations;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Agent.Warmup;
using WarmKeeper.Lambda;
using WarmKeeper.Lambda.Signing;
using WarmKeeper.LocalRuntime.Auth;
using WarmKeeper.LocalRuntime.Functions;
using WarmKeeper.LocalRuntime.Functions.Process;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.Agent.Hosting;

/// <summary>The composition root: what the agent is made of, in the order a reader wants to see it.</summary>
public static class AgentApplication
{
    /// <param name="args">Ordinary .NET configuration arguments (<c>--Key=Value</c>).</param>
    /// <param name="timeProvider">
    /// The one clock of the agent and its built-in runtime (the system clock when null): a test's fake
    /// clock or a replay's scaled clock drives every timer, bucket and deadline through it.
    /// </param>
    /// <exception cref="ConfigurationProblemsException">The configuration cannot work; every problem is listed.</exception>
    public static WebApplication Build(string[] args, TimeProvider? timeProvider = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings.json ships beside the executable; data files go in the working directory.
            ContentRootPath = AppContext.BaseDirectory,
            // The agent is "warmkeeper" whichever process hosts it (a test host too): static web
            // assets are found by this name.
            ApplicationName = typeof(AgentApplication).Assembly.GetName().Name,
        });

        // The dashboard's assets come from its Razor class library: from the build output's manifest
        // when run from a build, from wwwroot when published (the call is a no-op there).
        builder.WebHost.UseStaticWebAssets();

        builder.Services.AddWarmKeeperAgent(builder.Configuration, timeProvider ?? TimeProvider.System);
        var app = builder.Build();
        ValidateConfiguration(app);
        app.UseWarmKeeperApiErrors();

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapWarmKeeperHealth();
        app.MapFunctionsApi();
        app.MapWarmupPoliciesApi();
        app.MapConcurrencyPoliciesApi();
        app.MapConcurrencyControlApi();
        app.MapRateLimitsApi();
        app.MapEventsApi();
        app.MapSimulationsApi();
        app.MapWarmKeeperHangfireDashboard();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapWarmKeeperDashboard();
        return app;
    }

    /// <summary>Every configuration problem at once: options of every section, and listeners open without credentials.</summary>
    private static void ValidateConfiguration(WebApplication app)
    {
        var problems = new List<string>(ListenerExposure.FindInConfiguration(app.Configuration));
        try
        {
            app.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception e) when (ConfigurationProblemsException.TryCollect(e, out var found))
        {
            problems.InsertRange(0, found);
        }

        if (problems.Count > 0)
        {
            throw new ConfigurationProblemsException(problems);
        }
    }

    internal static IServiceCollection AddWarmKeeperAgent(this IServiceCollection services, IConfiguration configuration, TimeProvider timeProvider)
    {
        services.AddSingleton(timeProvider);
        services.AddOptions<AgentOptions>()
            .Bind(configuration.GetSection(AgentOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        services.AddHostedService<BoundListenerCheck>();

        services.AddWarmKeeperPersistence(configuration);
        services.AddWarmKeeperSecurity(configuration);
        services.AddWarmKeeperTargets(configuration);
        services.AddWarmKeeperWarmup();
        services.AddWarmKeeperScaling(configuration);
        services.AddWarmKeeperDemo(configuration);
        services.AddWarmKeeperProtection(configuration);
        services.AddWarmKeeperDashboard(configuration);

        services.AddWarmKeeperApi();
        services.AddHealthChecks();
        return services;
    }

    private static IServiceCollection AddWarmKeeperTargets(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLocalRuntime(configuration);
        services.AddLocalRuntimeSigV4Authentication();
        services.AddProcessFunctions();

        services.AddOptions<FaultInjectionOptions>().Bind(configuration.GetSection(FaultInjectionOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FaultInjectionOptions>, FaultInjectionOptionsValidator>();
        foreach (var target in configuration.GetSection($"{AgentOptions.SectionName}:Targets").GetChildren())
        {
            services.AddLambdaControlPlane(target.Key, target);
            services.AddHttpClient(LambdaServiceCollectionExtensions.HttpClientName(target.Key))
                .AddHttpMessageHandler(sp => new FaultInjectionHandler(sp.GetRequiredService<IOptions<FaultInjectionOptions>>().Value));
        }

        if (!configuration.GetSection($"{AgentOptions.SectionName}:Targets").GetChildren().Any())
        {
            services.AddSingleton<ILambdaControlPlanes, NoConfiguredTargets>();
        }

        services.AddSingleton<LambdaTargets>();
        services.AddSingleton<ILambdaTargets>(sp => sp.GetRequiredService<LambdaTargets>());
        services.AddSingleton<IInFlightGauge>(sp => sp.GetRequiredService<LambdaTargets>());
        services.AddSingleton<FunctionCatalog>();
        return services;
    }

    private static IServiceCollection AddWarmKeeperScaling(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ScalingOptions>()
            .Bind(configuration.GetSection(ScalingOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ScalingOptions>, ScalingOptionsValidator>();

        // Every invocation the local runtime (or the proxy) sees feeds demand observation.
        services.AddSingleton(sp => new DemandRecorder(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ScalingOptions>>().Value.DemandDetail));
        services.AddSingleton<IInvocationObserver>(sp => sp.GetRequiredService<DemandRecorder>());
        services.AddSimulations(configuration);
        services.AddSingleton<ConcurrencyPolicyStore>();
        services.AddSingleton<ProvisionedConcurrencyReconciler>();
        services.AddHostedService(sp => sp.GetRequiredService<ProvisionedConcurrencyReconciler>());
        services.AddOptions<CloudWatchOptions>().Bind(configuration.GetSection(CloudWatchOptions.SectionName));
        services.AddSingleton<CloudWatchDemandSource>();
        services.AddHostedService(sp => sp.GetRequiredService<CloudWatchDemandSource>());
        services.AddSingleton<DemandRollup>();
        services.AddHostedService(sp => sp.GetRequiredService<DemandRollup>());
        return services;
    }

    private static IServiceCollection AddWarmKeeperDemo(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DemoOptions>().Bind(configuration.GetSection(DemoOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DemoOptions>, DemoOptionsValidator>();
        services.AddHostedService<DemoTrafficGenerator>();
        return services;
    }

    private static IServiceCollection AddWarmKeeperWarmup(this IServiceCollection services)
    {
        services.AddSingleton<EventLog>();
        services.AddSingleton<WarmupPolicyStore>();
        services.AddTransient<WarmupJob>();
        // This agent's own job storage, registered before AddHangfire (which only adds one if none is there): Hangfire's
        // configuration otherwise goes through the process-wide JobStorage.Current, which two agents in one process
        // (the tests run several) share. Its log provider is process-wide too (see DisposalTolerantLogProvider).
        services.AddSingleton<JobStorage>(_ => new InMemoryStorage(new InMemoryStorageOptions { MaxExpirationTime = TimeSpan.FromHours(1) }));
        services.AddHangfire((sp, c) => c
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new DisposalTolerantLogProvider(sp.GetRequiredService<ILoggerFactory>())));
        services.AddHangfireServer(o =>
        {
            o.WorkerCount = Math.Max(4, Environment.ProcessorCount * 2);
            o.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
        services.AddSingleton<WarmupScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<WarmupScheduler>());
        return services;
    }
}
