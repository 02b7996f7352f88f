using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Agent.Targets;
using WarmKeeper.LocalRuntime.Engine;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.Agent.Tests.Scaling;

/// <summary>
/// The autoscaler against the built-in runtime over real HTTP, with real traffic: allocation delay,
/// reconcile interval and windows shortened so each scenario takes seconds.
/// </summary>
public sealed class AutoscalerEndToEndTests
{
    private static readonly string[] Fast =
    [
        "--WarmKeeper:LocalRuntime:ProvisioningDelay=00:00:00.300",
        "--WarmKeeper:Scaling:Interval=00:00:00.250",
        // A second function like orders, to compare deciders side by side on the same step.
        "--WarmKeeper:LocalRuntime:Functions:orders2:Handler=Work",
        "--WarmKeeper:LocalRuntime:Functions:orders2:InitDuration=00:00:00.100",
        "--WarmKeeper:LocalRuntime:Functions:orders2:Versions:0=1",
        "--WarmKeeper:LocalRuntime:Functions:orders2:Aliases:live=1",
    ];

    private static string Policy(string id, string function, string extra = "") =>
        $$"""{"id":"{{id}}","target":"local","function":"{{function}}","qualifier":"live","min":1,"max":40,"stableWindow":"00:00:10","burstWindow":"00:00:02","scaleInDelay":"00:00:04"{{extra}}}""";

    private static async Task CreatePolicyAsync(AgentHost agent, string json)
    {
        HttpResponseMessage response;
        var attempts = 0;
        do
        {
            // Under injected faults the API's own look-ups of the target may fail (503 with Retry-After,
            // while the circuit is open): a client waits and retries.
            response = await agent.Client.PostAsync(new Uri("/api/v1/concurrency-policies", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, response.Headers.RetryAfter?.Delta?.TotalSeconds ?? 1)));
            }
        }
        while (response.StatusCode == HttpStatusCode.ServiceUnavailable && ++attempts < 20);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private static int Provisioned(LocalLambdaEngine engine, string function) =>
        engine.GetFunctionSnapshot(function).ProvisionedConcurrency.Where(p => p.Qualifier == "live").Select(p => p.Requested).FirstOrDefault();

    private static async Task<TimeSpan> WaitUntilAsync(Func<bool> condition, TimeSpan limit, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < limit, $"Timed out after {limit.TotalSeconds}s waiting until {what}.");
            await Task.Delay(100);
        }

        return clock.Elapsed;
    }

    private static (AgentHost Agent, LocalLambdaEngine Engine, WarmKeeper.Lambda.ILambdaControlPlane Lambda) Parts(AgentHost agent)
    {
        Assert.True(agent.Services.GetRequiredService<ILambdaTargets>().TryGet("local", out var lambda));
        return (agent, agent.Services.GetRequiredService<LocalRuntimeHost>().Engine, lambda);
    }

    private static async Task<JsonElement[]> DecisionsAsync(AgentHost agent, string function)
    {
        var page = await agent.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/events?kind=scaling.decision&function={function}&limit=500", UriKind.Relative));
        return page.GetProperty("events").EnumerateArray().ToArray();
    }

    [Fact]
    public async Task A_step_from_2_to_20_is_covered_burst_beats_tracking_alone_and_capacity_returns_after_the_delay()
    {
        await using var host = await AgentHost.StartAsync(null, Fast);
        var (agent, engine, lambda) = Parts(host);
        await CreatePolicyAsync(agent, Policy("with-burst", "orders"));
        await CreatePolicyAsync(agent, Policy("tracking-only", "orders2", ""","burst":false"""));
        await using var burstLoad = new ConcurrencyLoad(lambda, "orders", "live");
        await using var trackingLoad = new ConcurrencyLoad(lambda, "orders2", "live");

        burstLoad.SetLevel(2);
        trackingLoad.SetLevel(2);
        await Task.Delay(TimeSpan.FromSeconds(11)); // a full window at 2
        burstLoad.SetLevel(20);
        trackingLoad.SetLevel(20);

        var clock = Stopwatch.StartNew();
        var burstReached = await WaitUntilAsync(() => Provisioned(engine, "orders") >= 20, TimeSpan.FromSeconds(30), "burst covers 20");
        await WaitUntilAsync(() => Provisioned(engine, "orders2") >= 20, TimeSpan.FromSeconds(30), "tracking covers 20");
        var trackingReached = clock.Elapsed;
        Assert.True(burstReached + TimeSpan.FromSeconds(2) < trackingReached,
            $"burst reached 20 after {burstReached.TotalSeconds:0.0}s, tracking alone after {trackingReached.TotalSeconds:0.0}s");

        // Demand falls: nothing returns within the scale-in delay, then capacity follows demand down.
        burstLoad.SetLevel(2);
        var fell = Stopwatch.StartNew();
        var peak = Provisioned(engine, "orders");
        await WaitUntilAsync(() => Provisioned(engine, "orders") <= 5, TimeSpan.FromSeconds(40), "capacity returns");
        Assert.True(fell.Elapsed >= TimeSpan.FromSeconds(4), $"scaled in after {fell.Elapsed.TotalSeconds:0.0}s, within the 4s delay");

        var decisions = await DecisionsAsync(agent, "orders");
        Assert.All(decisions, d =>
        {
            var data = d.GetProperty("data");
            Assert.InRange(data.GetProperty("desired").GetInt32(), 1, 40);
            Assert.False(string.IsNullOrEmpty(data.GetProperty("reason").GetString()));
            Assert.True(data.GetProperty("votes").GetArrayLength() > 0);
        });
        Assert.Contains(decisions, d => d.GetProperty("data").GetProperty("desired").GetInt32() == peak);
    }

    [Fact]
    public async Task Dry_run_changes_nothing_but_records_what_it_would_have_done()
    {
        await using var host = await AgentHost.StartAsync(null, Fast);
        var (agent, engine, lambda) = Parts(host);
        await CreatePolicyAsync(agent, Policy("dry", "orders", ""","dryRun":true"""));
        await using var load = new ConcurrencyLoad(lambda, "orders", "live");
        load.SetLevel(10);

        await WaitUntilAsync(() => DecisionsAsync(agent, "orders").Result.Length > 0, TimeSpan.FromSeconds(20), "a dry-run decision is recorded");

        var decision = (await DecisionsAsync(agent, "orders"))[0].GetProperty("data");
        Assert.True(decision.GetProperty("dryRun").GetBoolean());
        Assert.False(decision.GetProperty("applied").GetBoolean());
        Assert.True(decision.GetProperty("desired").GetInt32() > decision.GetProperty("current").GetInt32());
        Assert.Equal(0, Provisioned(engine, "orders"));
    }

    [Fact]
    public async Task A_restart_mid_way_neither_scales_in_early_nor_repeats_a_change()
    {
        // The runtime outlives the agent, as AWS would: the agent manages it as an external target.
        await using var runtime = await LocalRuntimeServer.StartAsync(new WarmKeeper.LocalRuntime.LocalRuntimeOptions
        {
            Url = "http://127.0.0.1:0",
            ProvisioningDelay = TimeSpan.FromMilliseconds(200),
            Functions = { ["orders"] = new() { Handler = WarmKeeper.LocalRuntime.LocalHandlerKind.Work, InitDuration = TimeSpan.FromMilliseconds(50), Versions = ["1"], Aliases = { ["live"] = "1" } } },
        });
        var data = Directory.CreateTempSubdirectory("warmkeeper-scaling-restart-").FullName;
        string[] args =
        [
            "--WarmKeeper:LocalRuntime:Enabled=false",
            "--WarmKeeper:Scaling:Interval=00:00:00.250",
            "--WarmKeeper:Targets:ext:Region=us-east-1",
            $"--WarmKeeper:Targets:ext:ServiceUrl={runtime.BaseAddress}",
            "--WarmKeeper:Targets:ext:Anonymous=true",
        ];
        const string policy = """{"id":"p","target":"ext","function":"orders","qualifier":"live","min":8,"max":20,"stableWindow":"00:00:10","burstWindow":"00:00:02","scaleInDelay":"00:00:00"}""";

        await using (var first = await AgentHost.StartAsync(data, args))
        {
            await CreatePolicyAsync(first, policy);
            await WaitUntilAsync(() => runtime.Engine.GetFunctionSnapshot("orders").ProvisionedConcurrency.Any(p => p.Requested == 8), TimeSpan.FromSeconds(20), "min 8 is applied");
        }

        var before = runtime.Engine.GetProvisionedConcurrencyConfig("orders", "live");
        await using var second = await AgentHost.StartAsync(data, args);
        var started = Stopwatch.StartNew();
        // Lower the floor at once: with no demand the policy now wants 0, but must wait a full window.
        using var update = new HttpRequestMessage(HttpMethod.Put, "/api/v1/concurrency-policies/p") { Content = new StringContent(policy.Replace("\"min\":8", "\"min\":0", StringComparison.Ordinal), Encoding.UTF8, "application/json") };
        Assert.Equal(HttpStatusCode.OK, (await second.Client.SendAsync(update)).StatusCode);

        while (started.Elapsed < TimeSpan.FromSeconds(8))
        {
            var now = runtime.Engine.GetProvisionedConcurrencyConfig("orders", "live");
            Assert.Equal(8, now.RequestedProvisionedConcurrentExecutions);
            Assert.Equal(before.LastModified, now.LastModified); // not even re-put
            await Task.Delay(200);
        }

        await WaitUntilAsync(() => runtime.Engine.GetFunctionSnapshot("orders").ProvisionedConcurrency.Count == 0, TimeSpan.FromSeconds(15), "scale-in after the window");
        // Two decisions in the shared history: the first agent's 0 → 8 and the second's 8 → 0, nothing else.
        var decisions = await DecisionsAsync(second, "orders");
        Assert.Equal(2, decisions.Length);
        var decision = decisions[0];
        Assert.Equal(8, decision.GetProperty("data").GetProperty("current").GetInt32());
        Assert.Equal(0, decision.GetProperty("data").GetProperty("desired").GetInt32());
    }

    [Fact]
    public async Task A_control_plane_that_fails_half_its_calls_still_converges_with_no_invariant_broken()
    {
        await using var host = await AgentHost.StartAsync(null, [.. Fast, "--WarmKeeper:FaultInjection:FailureRate=0.5"]);
        var (agent, engine, lambda) = Parts(host);
        await CreatePolicyAsync(agent, """{"id":"chaos","target":"local","function":"orders","qualifier":"live","min":1,"max":12,"stableWindow":"00:00:10","burstWindow":"00:00:02","scaleInDelay":"00:00:30"}""");
        engine.PutFunctionConcurrency("orders", 14); // set up directly: the agent's own calls are the ones under chaos
        await using var load = new ConcurrencyLoad(lambda, "orders", "live");
        load.SetLevel(10);

        // Half the calls fail, so the client's circuit breaker opens now and then (15 s each): convergence
        // takes a few of those in the worst case, never an unbounded time.
        await WaitUntilAsync(() => Provisioned(engine, "orders") >= 12, TimeSpan.FromSeconds(150), "capacity converges to the max despite failures");

        var decisions = await DecisionsAsync(agent, "orders");
        Assert.All(decisions, d => Assert.InRange(d.GetProperty("data").GetProperty("desired").GetInt32(), 1, 12));
        Assert.True(Provisioned(engine, "orders") <= 12);
    }
}
