using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Agent.Protection;
using WarmKeeper.Agent.Scaling;
using WarmKeeper.Agent.Tests.Protection;
using WarmKeeper.Agent.Warmup;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Warmup;

namespace WarmKeeper.Agent.Tests.Scaling;

/// <summary>
/// The agent's own warm-up pings are not demand (issue 12, item 3): with no traffic, a warm-up of
/// fan-out 10 holding 3 s made a dry-run policy want 0 → 15. Pings are told by their proof, never by
/// their payload: a caller's call that looks like a ping is demand like any other.
/// </summary>
public sealed class PingsAreNotDemandTests
{
    private static readonly string[] Agent =
    [
        "--WarmKeeper:LocalRuntime:Functions:held:Handler=echo",
        "--WarmKeeper:LocalRuntime:Functions:held:InitDuration=00:00:00",
        // Above the 3 s the pings hold (the default timeout is 3 s).
        "--WarmKeeper:LocalRuntime:Functions:held:Timeout=00:00:10",
        "--WarmKeeper:LocalRuntime:Functions:held:Versions:0=1",
        "--WarmKeeper:LocalRuntime:Functions:held:Aliases:live=1",
        // The test reconciles by hand, after the pings.
        "--WarmKeeper:Scaling:Interval=00:10:00",
    ];

    private const string DryRunPolicy =
        """{"id":"held-dry","target":"local","function":"held","qualifier":"live","min":0,"max":40,"dryRun":true,"stableWindow":"00:00:30","burstWindow":"00:00:05","scaleInDelay":"00:00:04"}""";

    [Fact]
    public async Task A_warm_up_of_fan_out_10_holding_3_s_leaves_a_dry_run_policy_at_its_minimum()
    {
        await using var proxy = await ProxiedAgent.StartAsync(Agent);
        var services = proxy.Agent.Services;
        await CreateAsync(proxy, "/api/v1/concurrency-policies", DryRunPolicy);

        var run = await services.GetRequiredService<WarmupJob>().RunAsync(
            new WarmupPolicy { Id = "held-warm", Target = "local", Function = "held", Qualifier = "live", Schedule = "* * * * *", FanOut = 10, HoldMs = 3000, Verify = false },
            WarmupTriggers.Manual, CancellationToken.None);
        Assert.NotNull(run.Report);
        Assert.True(run.Report.Sent == 10 && run.Report.Errors == 0, $"sent {run.Report.Sent}, errors: {string.Join("; ", run.Report.ErrorSamples)}");

        var recorder = services.GetRequiredService<DemandRecorder>();
        var demand = recorder.Summarize(new DemandKey("local", "held", "live"), recorder.StartedAt, DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(0, demand.Arrivals);
        Assert.Equal(0, demand.MaxInFlight);

        var outcome = Assert.Single(await services.GetRequiredService<ProvisionedConcurrencyReconciler>().ReconcileOnceAsync(CancellationToken.None));
        Assert.NotNull(outcome.Decision);
        Assert.Equal(0, outcome.Decision.Desired);

        // The pinger noted what it sent, for demand read from the cloud (the run may straddle a minute).
        var ledger = services.GetRequiredService<SentPings>();
        var now = DateTimeOffset.UtcNow;
        var minutes = new[] { now.AddSeconds(-15), now }.Select(t => t.ToUnixTimeSeconds() / 60).Distinct();
        Assert.Equal(10, minutes.Sum(m => ledger.In("local", "held", null, DateTimeOffset.FromUnixTimeSeconds(m * 60)).Count));
    }

    [Fact]
    public async Task A_callers_calls_that_look_like_pings_are_demand_through_the_proxy_and_at_the_runtime()
    {
        await using var proxy = await ProxiedAgent.StartAsync(Agent);
        var services = proxy.Agent.Services;
        await CreateAsync(proxy, "/api/v1/concurrency-policies", DryRunPolicy);

        // Ten held calls at once, each in a warmer's own words: five through the proxy, five straight to the runtime.
        using var runtime = new HttpClient { BaseAddress = services.GetRequiredService<WarmKeeper.LocalRuntime.Hosting.LocalRuntimeHost>().BaseAddress };
        var payload = """{"warmkeeper":{"warmup":true,"holdMs":3000},"warmer":true,"source":"serverless-plugin-warmup"}""";
        var calls = Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? proxy.Http : runtime).PostAsync(
            new Uri("/2015-03-31/functions/held/invocations?Qualifier=live", UriKind.Relative),
            new StringContent(payload, Encoding.UTF8, "application/json"))).ToArray();
        foreach (var response in await Task.WhenAll(calls))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Observations reach the recorder through the observer dispatcher's queue, after the answers: wait for them.
        var recorder = services.GetRequiredService<DemandRecorder>();
        var key = new DemandKey("local", "held", "live");
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var demand = recorder.Summarize(key, recorder.StartedAt, DateTimeOffset.UtcNow.AddMinutes(1));
        while (demand.Arrivals < 10 && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
            demand = recorder.Summarize(key, recorder.StartedAt, DateTimeOffset.UtcNow.AddMinutes(1));
        }

        Assert.Equal(10, demand.Arrivals);
        Assert.Equal(10, demand.MaxInFlight);
        var outcome = Assert.Single(await services.GetRequiredService<ProvisionedConcurrencyReconciler>().ReconcileOnceAsync(CancellationToken.None));
        Assert.True(outcome.Decision!.Desired >= 10, $"wanted {outcome.Decision.Desired}: {outcome.Decision.Reason}");
    }

    private static async Task CreateAsync(ProxiedAgent proxy, string path, string json)
    {
        using var response = await proxy.Agent.Client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }
}
