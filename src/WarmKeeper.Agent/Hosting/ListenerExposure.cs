using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using WarmKeeper.Agent.Protection;
using WarmKeeper.Agent.Security;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.Agent.Hosting;

/// <summary>
/// The one rule for every listener of the agent: one that is reachable beyond this machine needs credentials, because
/// the agent can change concurrency in a cloud account and the local runtime runs code. The rule is applied twice, to
/// the same three listeners: before anything binds, to the agent's listener as .NET will resolve it from configuration
/// (so that nothing opens, and an HTTPS port without a certificate still gets this message), and after start, to the
/// addresses the servers actually bound, whatever configuration, environment or code produced them.
/// </summary>
internal static class ListenerExposure
{
    /// <summary>Where the agent's own listener's address can come from; all are ordinary .NET configuration keys.</summary>
    public const string AgentListenerSettings =
        "urls (--urls, ASPNETCORE_URLS), http_ports/https_ports (ASPNETCORE_HTTP_PORTS, HTTP_PORTS, HTTPS_PORTS) or Kestrel:Endpoints:<name>:Url";

    private const string ApiKeysRemedy =
        $"Configure at least one key under {ApiSecurityOptions.SectionName}:Keys (e.g. WarmKeeper__Api__Keys__ops__Hash=<output of " +
        "'warmkeeper hash-key <key>'> and WarmKeeper__Api__Keys__ops__Scopes__0=write, WarmKeeper__Api__Keys__ops__Scopes__1=read), or bind to 127.0.0.1.";

    /// <summary>Problems with the agent's listener as configured, before it binds.</summary>
    public static IReadOnlyList<string> FindInConfiguration(IConfiguration configuration) =>
        Check(configuration, ConfiguredAgentAddresses(configuration), [], []);

    /// <summary>Problems with the addresses the three servers bound.</summary>
    public static IReadOnlyList<string> FindBound(IServiceProvider services)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var agent = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var runtime = services.GetService<LocalRuntimeHost>()?.BaseAddress;
        var proxy = services.GetService<InvokeProxyHost>()?.BaseAddress;
        return Check(
            configuration,
            agent,
            runtime is null ? [] : [runtime.ToString()],
            proxy is null ? [] : [proxy.ToString()]);
    }

    /// <summary>
    /// What .NET binds for this configuration, by its own precedence: <c>urls</c>, else <c>http_ports</c> and
    /// <c>https_ports</c> (all interfaces; the aspnet container images set ASPNETCORE_HTTP_PORTS=8080, which the shipped
    /// <c>Urls</c> overrides); endpoints under <c>Kestrel:Endpoints</c> replace those unless <c>preferHostingUrls</c>
    /// is true; with nothing configured, Kestrel's default on localhost.
    /// </summary>
    internal static IReadOnlyList<string> ConfiguredAgentAddresses(IConfiguration configuration)
    {
        var hosting = SplitList(configuration["urls"]).ToList();
        if (hosting.Count == 0)
        {
            hosting.AddRange(SplitList(configuration["http_ports"]).Select(p => $"http://*:{p}"));
            hosting.AddRange(SplitList(configuration["https_ports"]).Select(p => $"https://*:{p}"));
        }

        var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(e => e["Url"]).OfType<string>().Where(u => u.Length > 0).ToList();
        var preferHosting = string.Equals(configuration["preferHostingUrls"], "true", StringComparison.OrdinalIgnoreCase);
        return (endpoints.Count, hosting.Count) switch
        {
            (0, 0) => ["http://localhost:5000"],
            (0, _) => hosting,
            (_, 0) => endpoints,
            _ => preferHosting ? hosting : endpoints,
        };
    }

    private static List<string> Check(
        IConfiguration configuration, IEnumerable<string> agent, IEnumerable<string> runtime, IEnumerable<string> proxy)
    {
        var problems = new List<string>();
        Add(agent, configuration.GetSection($"{ApiSecurityOptions.SectionName}:Keys").GetChildren().Any(), AgentListenerSettings,
            "the agent", "API keys", ApiKeysRemedy);
        Add(runtime, HasSecret(configuration, "WarmKeeper:LocalRuntime"), "WarmKeeper:LocalRuntime:Url",
            "the local runtime", "credentials", "Set WarmKeeper:LocalRuntime:Credentials:AccessKeyId and :SecretAccessKey (callers must then sign with them), or bind to 127.0.0.1.");
        Add(proxy, HasSecret(configuration, ProxyOptions.SectionName), $"{ProxyOptions.SectionName}:Url",
            "the invoke proxy", "credentials", $"Set {ProxyOptions.SectionName}:Credentials:AccessKeyId and :SecretAccessKey (callers must then sign with them), or bind to 127.0.0.1.");
        return problems;

        void Add(IEnumerable<string> addresses, bool credentialsConfigured, string setting, string listener, string credentials, string remedy)
        {
            var open = addresses.Where(a => !SecurityServiceCollectionExtensions.IsLoopback(a)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (open.Count > 0 && !credentialsConfigured)
            {
                problems.Add($"{setting}: {listener} would listen on {string.Join(", ", open)}, beyond this machine, without {credentials}. {remedy}");
            }
        }
    }

    private static bool HasSecret(IConfiguration configuration, string section) =>
        !string.IsNullOrEmpty(configuration[$"{section}:Credentials:SecretAccessKey"]);

    private static string[] SplitList(string? value) =>
        (value ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// Runs <see cref="ListenerExposure.FindBound"/> once every hosted service (the web server and both Lambda listeners)
/// has started, and fails the start with every problem listed; the host then stops what it started.
/// </summary>
internal sealed class BoundListenerCheck(IServiceProvider services) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var problems = ListenerExposure.FindBound(services);
        return problems.Count == 0 ? Task.CompletedTask : Task.FromException(new ConfigurationProblemsException(problems));
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
