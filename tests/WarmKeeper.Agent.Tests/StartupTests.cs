using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
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
    public async Task The_dashboards_sign_in_keys_survive_a_restart_on_the_same_data_directory()
    {
        var data = Directory.CreateTempSubdirectory("warmkeeper-keys-").FullName;
        try
        {
            string protectedText;
            await using (var first = await AgentHost.StartAsync(data))
            {
                protectedText = first.Services.GetRequiredService<IDataProtectionProvider>()
                    .CreateProtector("test").Protect("signed in");
            }

            Assert.NotEmpty(Directory.GetFiles(Path.Combine(data, "data-protection-keys"), "key-*.xml"));
            await using var second = await AgentHost.StartAsync(data);
            var unprotected = second.Services.GetRequiredService<IDataProtectionProvider>()
                .CreateProtector("test").Unprotect(protectedText);
            Assert.Equal("signed in", unprotected);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
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

public sealed class LocalRuntimeSigningTests
{
    [Fact]
    public async Task With_credentials_the_local_runtime_refuses_unsigned_calls_and_the_agent_signs_its_own()
    {
        await using var agent = await AgentHost.StartAsync(null,
            "--WarmKeeper:LocalRuntime:Credentials:AccessKeyId=AKIDLOCAL",
            "--WarmKeeper:LocalRuntime:Credentials:SecretAccessKey=local-secret");
        var runtime = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<WarmKeeper.LocalRuntime.Hosting.LocalRuntimeHost>(agent.Services);

        using var anonymous = new HttpClient { BaseAddress = runtime.BaseAddress };
        var refused = await anonymous.GetAsync(new Uri("/2015-03-31/functions/", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("MissingAuthenticationTokenException", refused.Headers.GetValues("x-amzn-ErrorType").Single().Split(':')[0]);

        // The agent's own calls to its local target are signed, so its API still works.
        var functions = await agent.Client.GetAsync(new Uri("/api/v1/functions", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.OK, functions.StatusCode);
        Assert.Contains("\"hello\"", await functions.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
