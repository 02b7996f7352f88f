using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.LocalRuntime.Hosting;
using WarmKeeper.Testing;

namespace WarmKeeper.Agent.Tests.Warmup;

/// <summary>
/// Every payload format's run counts the environments it reached, and the count is the truth: the
/// environments the built-in runtime started (a fresh agent, so every one of them is the run's),
/// read over real HTTP from the runtime's environment header.
/// </summary>
public sealed class WarmupEnvironmentCountTests
{
    [Theory]
    [InlineData("warmkeeper", "")]
    [InlineData("serverless-plugin-warmup", "")]
    [InlineData("lambda-warmer", "")]
    [InlineData("custom", ""","customPayload":{"ping":1}""")]
    public async Task The_distinct_environment_count_of_a_run_equals_the_environments_the_runtime_started(string format, string extra)
    {
        await using var agent = await AgentHost.StartAsync();
        var policy = $$"""{"id":"count","target":"local","function":"hello","schedule":"0 0 1 1 *","fanOut":4,"payloadFormat":"{{format}}"{{extra}},"enabled":false}""";
        var created = await agent.Client.PostAsync(new Uri("/api/v1/warmup-policies", UriKind.Relative), new StringContent(policy, Encoding.UTF8, "application/json"));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());

        var response = await agent.Client.PostAsync(new Uri("/api/v1/warmup-policies/count/run", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var run = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data");

        var started = agent.Services.GetRequiredService<LocalRuntimeHost>().Engine.GetFunctionSnapshot("hello").Environments.Count;
        Assert.Equal(0, run.GetProperty("errors").GetInt32());
        Assert.Equal(started, run.GetProperty("distinctEnvironments").GetInt32());
        Assert.Equal("runtime-header", run.GetProperty("environmentsCountedBy").GetString());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("environmentsNote").ValueKind);
        Assert.Equal(started >= 4, run.GetProperty("reached").GetBoolean());
    }
}
