using Microsoft.Extensions.Options;

namespace WarmKeeper.Agent.Hosting;

/// <summary>The composition root: what the agent is made of, in the order a reader wants to see it.</summary>
public static class AgentApplication
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings.json ships beside the executable; data files go in the working directory.
            ContentRootPath = AppContext.BaseDirectory,
        });

        builder.Services.AddWarmKeeperAgent(builder.Configuration);

        var app = builder.Build();
        app.MapWarmKeeperHealth();
        app.MapOpenApi("/openapi/{documentName}.json");
        return app;
    }

    internal static IServiceCollection AddWarmKeeperAgent(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<AgentOptions>()
            .Bind(configuration.GetSection(AgentOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();

        services.AddProblemDetails();
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull);
        services.AddHealthChecks();
        return services;
    }
}
