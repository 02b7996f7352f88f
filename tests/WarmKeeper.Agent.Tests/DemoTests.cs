using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Agent.Demo;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.Agent.Tests;

public sealed class DemoTests
{
    [Fact]
    public async Task The_embedded_default_shows_demand_and_seeds_a_warm_up_and_a_scaling_policy()
    {
        await using var agent = await AgentHost.StartAsync(null,
            "--WarmKeeper:Demo:Enabled=true",
            "--WarmKeeper:Demo:PeakRates:hello=50",
            "--WarmKeeper:Demo:PeakRates:orders:live=30");
        var engine = agent.Services.GetRequiredService<LocalRuntimeHost>().Engine;

        for (var i = 0; i < 100 && (engine.GetFunctionSnapshot("hello").Environments.Count == 0 || engine.GetFunctionSnapshot("orders").Environments.Count == 0); i++)
        {
            await Task.Delay(100);
        }

        Assert.NotEmpty(engine.GetFunctionSnapshot("hello").Environments);
        Assert.NotEmpty(engine.GetFunctionSnapshot("orders").Environments);
        var warmups = await agent.Client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/warmup-policies", UriKind.Relative));
        var scaling = await agent.Client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/concurrency-policies", UriKind.Relative));
        Assert.Equal("demo-report", warmups[0].GetProperty("id").GetString());
        Assert.Equal("demo-orders", scaling[0].GetProperty("id").GetString());

        // Invocations are observed as they complete; the metrics show them within a few seconds.
        var seen = 0;
        for (var i = 0; i < 50 && seen == 0; i++)
        {
            await Task.Delay(200);
            var metrics = await agent.Client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/functions/local/hello/metrics?window=00:00:30&step=00:00:01", UriKind.Relative));
            seen = metrics.GetProperty("points").EnumerateArray().Sum(p => p.GetProperty("arrivals").GetInt32());
        }

        Assert.True(seen > 0, "the demo's invocations of hello show in its metrics");
    }

    [Fact]
    public void The_daily_shape_has_a_floor_of_half_its_peak()
    {
        var day = TimeSpan.FromMinutes(10);
        var samples = Enumerable.Range(0, 600).Select(s => DemoTrafficGenerator.DailyShape(TimeSpan.FromSeconds(s), day)).ToArray();
        Assert.Equal(1.0, samples.Max(), 3);
        Assert.Equal(0.5, samples.Min(), 3);
    }

    [Fact]
    public async Task With_a_configured_cloud_target_the_demo_stays_off_unless_asked()
    {
        await using var agent = await AgentHost.StartAsync(null,
            "--WarmKeeper:Demo:Enabled=",
            "--WarmKeeper:Targets:prod:Region=us-east-1",
            "--WarmKeeper:Targets:prod:ServiceUrl=http://127.0.0.1:1",
            "--WarmKeeper:Targets:prod:Anonymous=true");
        var demo = agent.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<DemoTrafficGenerator>().Single();
        Assert.False(demo.IsEnabled);
    }
}
