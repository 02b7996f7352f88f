using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.LocalRuntime.Hosting;
using WarmKeeper.Testing;

namespace WarmKeeper.Agent.Tests.Warmup;

/// <summary>
/// Warm-up policies against functions written for the common warmers, unmodified, under the official
/// Node runtime client (tests/functions/node): the real libraries decide what a ping does, and the
/// local runtime's environments are the truth a run's report is held to.
/// </summary>
public sealed class WarmupUnderNodeRuntimeClientTests
{
    [SkippableFact]
    public async Task A_lambda_warmer_function_pinged_with_fan_out_5_runs_5_environments_and_the_run_reports_5()
    {
        NodeFunctions.Require();
        await using var agent = await StartAgentAsync(("warmer-fn", "warmer.handler"));

        var run = await CreateAndRunAsync(agent, "lw", "warmer-fn", "lambda-warmer", fanOut: 5);

        var environments = agent.Services.GetRequiredService<LocalRuntimeHost>().Engine.GetFunctionSnapshot("warmer-fn").Environments;
        // The library fans out whenever an event asks for concurrency > 1; a ping that did would leave 25.
        Assert.Equal(5, environments.Count);
        Assert.Equal(5, environments.Sum(e => e.InvocationCount));
        Assert.Equal(0, run.GetProperty("errors").GetInt32());
        Assert.Equal(5, run.GetProperty("distinctEnvironments").GetInt32());
        Assert.Equal("runtime-header", run.GetProperty("environmentsCountedBy").GetString());
        Assert.True(run.GetProperty("reached").GetBoolean());
    }

    [SkippableTheory]
    [InlineData("sls-warmup.byEvent")]
    [InlineData("sls-warmup.byClientContext")]
    public async Task A_serverless_plugin_warmup_handler_short_circuits_on_every_ping(string handler)
    {
        NodeFunctions.Require();
        await using var agent = await StartAgentAsync(("sls-fn", handler));

        // The handler's own logic fails, so an ordinary event shows what a ping that was not recognised would do.
        var runtime = agent.Services.GetRequiredService<LocalRuntimeHost>().BaseAddress
                      ?? throw new InvalidOperationException("The local runtime is not listening.");
        using var http = new HttpClient();
        using var ordinary = await http.PostAsync(new Uri(runtime, "/2015-03-31/functions/sls-fn/invocations"), new StringContent("{}"));
        Assert.Equal("Unhandled", ordinary.Headers.GetValues("X-Amz-Function-Error").Single());

        var run = await CreateAndRunAsync(agent, "sls", "sls-fn", "serverless-plugin-warmup", fanOut: 3);

        // A handler that answers at once holds no environment, so the run may top up; every ping it sent,
        // first or top-up, must have been answered by the warm-up branch, never by the function's logic.
        Assert.True(run.GetProperty("sent").GetInt32() >= 3, run.ToString());
        Assert.Equal(0, run.GetProperty("errors").GetInt32());
    }

    private static async Task<AgentHost> StartAgentAsync((string Name, string Handler) function)
    {
        var options = NodeFunctions.Options(function.Handler);
        var prefix = $"--WarmKeeper:LocalRuntime:Functions:{function.Name}:";
        string[] args =
        [
            prefix + $"Handler={options.Handler}",
            prefix + $"Command={options.Command}",
            prefix + $"Arguments:0={options.Arguments[0]}",
            prefix + $"WorkingDirectory={options.WorkingDirectory}",
            prefix + $"HandlerName={options.HandlerName}",
            prefix + $"Runtime={options.Runtime}",
            prefix + $"MemoryMb={options.MemoryMb.ToString(CultureInfo.InvariantCulture)}",
            prefix + $"Timeout={options.Timeout.ToString("c", CultureInfo.InvariantCulture)}",
            // A Node process's first start on a loaded two-core machine can take longer than the default 10 s.
            "--WarmKeeper:LocalRuntime:InitTimeout=00:00:30",
        ];
        return await AgentHost.StartAsync(null, args);
    }

    private static async Task<JsonElement> CreateAndRunAsync(AgentHost agent, string id, string function, string format, int fanOut)
    {
        var policy = $$"""{"id":"{{id}}","target":"local","function":"{{function}}","schedule":"0 0 1 1 *","fanOut":{{fanOut}},"payloadFormat":"{{format}}","enabled":false}""";
        using var created = await agent.Client.PostAsync(new Uri("/api/v1/warmup-policies", UriKind.Relative), new StringContent(policy, Encoding.UTF8, "application/json"));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());

        using var response = await agent.Client.PostAsync(new Uri($"/api/v1/warmup-policies/{id}/run", UriKind.Relative), null);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data");
    }
}
