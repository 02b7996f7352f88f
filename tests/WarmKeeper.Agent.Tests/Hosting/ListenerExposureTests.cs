using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Agent.Hosting;

namespace WarmKeeper.Agent.Tests.Hosting;

/// <summary>
/// Every way .NET can bind the agent's listener, and the Lambda listeners' own settings, go through one check: beyond
/// loopback without credentials, the agent refuses to start and says what to set.
/// </summary>
public sealed class ListenerExposureTests
{
    // ASPNETCORE_URLS and --urls are the configuration key "urls"; ASPNETCORE_HTTP_PORTS and HTTP_PORTS are "http_ports".
    // The shipped appsettings.json sets Urls, so the ports forms are tried with it emptied, as a deployment would.
    [Theory]
    [InlineData("Kestrel:Endpoints", "--Kestrel:Endpoints:web:Url=http://0.0.0.0:0")]
    [InlineData("Kestrel:Endpoints", "--Kestrel:Endpoints:web:Url=http://[::]:0")]
    [InlineData("urls", "--urls=http://127.0.0.1:0;http://*:0")]
    [InlineData("urls", "--URLS=http://+:0")]
    [InlineData("http_ports", "--urls=", "--http_ports=0")]
    [InlineData("http_ports", "--urls=", "--HTTP_PORTS=0")]
    [InlineData("https_ports", "--urls=", "--https_ports=0")]
    [InlineData("WarmKeeper:LocalRuntime:Url", "--WarmKeeper:LocalRuntime:Url=http://0.0.0.0:0")]
    [InlineData("WarmKeeper:Proxy:Url", "--WarmKeeper:Proxy:Url=http://0.0.0.0:0")]
    public async Task A_listener_beyond_loopback_without_credentials_stops_the_agent(string named, params string[] args)
    {
        using var stderr = new StringWriter();

        var exit = await AgentCommandLine.RunAsync(
            ["--urls=http://127.0.0.1:0", "--WarmKeeper:LocalRuntime:Url=http://127.0.0.1:0", "--WarmKeeper:Proxy:Url=http://127.0.0.1:0",
             "--WarmKeeper:Demo:Enabled=false", $"--WarmKeeper:DataDirectory={Path.Combine(Path.GetTempPath(), "warmkeeper-listener-check")}", .. args],
            TextWriter.Null, stderr, TestContext.Cancellation);

        var text = stderr.ToString();
        Assert.True(exit == AgentCommandLine.InvalidConfigurationExitCode, text);
        Assert.Contains(named, text, StringComparison.Ordinal);
        // What to set: API keys for the agent's listener, SigV4 credentials for a Lambda listener.
        Assert.Matches(named.StartsWith("WarmKeeper:", StringComparison.Ordinal) ? @"Credentials:AccessKeyId" : @"WarmKeeper:Api:Keys.*hash-key", text);
    }

    [Fact]
    public void The_agents_listener_is_resolved_with_dotnets_precedence()
    {
        // Urls wins over the ports a container image sets, Kestrel endpoints over Urls unless preferHostingUrls.
        Assert.Equal(["http://127.0.0.1:5080"], ListenerExposure.ConfiguredAgentAddresses(Config(("urls", "http://127.0.0.1:5080"), ("http_ports", "8080"))));
        Assert.Equal(["http://*:8080"], ListenerExposure.ConfiguredAgentAddresses(Config(("http_ports", "8080"))));
        Assert.Equal(["http://0.0.0.0:1"], ListenerExposure.ConfiguredAgentAddresses(Config(("urls", "http://127.0.0.1:5080"), ("Kestrel:Endpoints:a:Url", "http://0.0.0.0:1"))));
        Assert.Equal(["http://127.0.0.1:5080"], ListenerExposure.ConfiguredAgentAddresses(
            Config(("urls", "http://127.0.0.1:5080"), ("Kestrel:Endpoints:a:Url", "http://0.0.0.0:1"), ("preferHostingUrls", "true"))));
        Assert.Equal(["http://localhost:5000"], ListenerExposure.ConfiguredAgentAddresses(Config()));
    }

    [Fact]
    public void After_start_the_addresses_the_server_bound_are_checked_whatever_produced_them()
    {
        var open = Bound(Config(), "http://127.0.0.1:5080", "http://[::]:8080");
        var keyed = Bound(Config(("WarmKeeper:Api:Keys:ops:Hash", "sha256:x")), "http://[::]:8080");
        var loopback = Bound(Config(), "http://127.0.0.1:5080", "http://[::1]:5081", "http://localhost:5082");

        Assert.Contains("http://[::]:8080", Assert.Single(open), StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1:5080", Assert.Single(open), StringComparison.Ordinal);
        Assert.Empty(keyed);
        Assert.Empty(loopback);
    }

    [Fact]
    public async Task With_api_keys_the_agent_may_listen_beyond_loopback()
    {
        await using var agent = await AgentHost.StartAsync(null,
            "--Kestrel:Endpoints:web:Url=http://0.0.0.0:0",
            $"--WarmKeeper:Api:Keys:ops:Hash={WarmKeeper.Agent.Security.ApiKeyHashing.Hash("ops-secret")}",
            "--WarmKeeper:Api:Keys:ops:Scopes:0=read");

        Assert.Equal("0.0.0.0", agent.BaseAddress.Host);
    }

    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    private static IReadOnlyList<string> Bound(IConfiguration configuration, params string[] addresses)
    {
        var services = new ServiceCollection()
            .AddSingleton(configuration)
            .AddSingleton<IServer>(new BoundServer(addresses))
            .BuildServiceProvider();
        return ListenerExposure.FindBound(services);
    }

    private sealed class BoundServer : IServer
    {
        public BoundServer(IEnumerable<string> addresses)
        {
            var feature = new ServerAddressesFeature();
            foreach (var address in addresses)
            {
                feature.Addresses.Add(address);
            }

            Features.Set<IServerAddressesFeature>(feature);
        }

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
