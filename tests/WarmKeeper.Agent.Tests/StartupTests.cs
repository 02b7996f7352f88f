using System.Net;
using WarmKeeper.Agent.Hosting;

namespace WarmKeeper.Agent.Tests;

public sealed class StartupTests
{
    [Fact]
    public async Task The_shipped_configuration_starts_and_answers_health_checks()
    {
        await using var agent = await AgentHost.StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await agent.Client.GetAsync(new Uri("/healthz/live", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.Client.GetAsync(new Uri("/healthz/ready", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Invalid_configuration_stops_the_agent_with_every_problem_listed()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await AgentCommandLine.RunAsync(
            [
                "--urls=http://127.0.0.1:0",
                "--WarmKeeper:DataDirectory=",
                "--WarmKeeper:Targets:prod:Region=moon-1",
                "--WarmKeeper:Targets:prod:ServiceUrl=not a url",
                "--WarmKeeper:Targets:Bad_Name:Region=us-east-1",
                "--WarmKeeper:LocalRuntime:Url=ftp://nowhere",
                "--WarmKeeper:LocalRuntime:Functions:orders:MemoryMb=5",
                "--WarmKeeper:LocalRuntime:Functions:orders:Aliases:live=7",
            ],
            stdout, stderr, TestContext.Cancellation);

        var text = stderr.ToString();
        Assert.Equal(AgentCommandLine.InvalidConfigurationExitCode, exit);
        Assert.Contains("WarmKeeper:DataDirectory", text, StringComparison.Ordinal);
        Assert.Contains("'prod': Region 'moon-1'", text, StringComparison.Ordinal);
        Assert.Contains("'prod': ServiceUrl 'not a url'", text, StringComparison.Ordinal);
        Assert.Contains("WarmKeeper:Targets:Bad_Name", text, StringComparison.Ordinal);
        Assert.Contains("WarmKeeper:LocalRuntime:Url", text, StringComparison.Ordinal);
        Assert.Contains("WarmKeeper:LocalRuntime:Functions:orders:MemoryMb", text, StringComparison.Ordinal);
        Assert.Contains("WarmKeeper:LocalRuntime:Functions:orders:Aliases:live", text, StringComparison.Ordinal);
    }
}

internal static class TestContext
{
    public static CancellationToken Cancellation => new CancellationTokenSource(TimeSpan.FromMinutes(2)).Token;
}
