using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Polly.CircuitBreaker;
using WarmKeeper.Agent.Protection;

namespace WarmKeeper.Agent.Tests.Protection;

public sealed class ProxyResilienceTests
{
    [Theory]
    [InlineData(false, 0.0)]
    [InlineData(true, 0.25)]
    public async Task The_agents_one_chaos_switch_reaches_the_proxy_only_when_it_includes_it(bool includeProxy, double expected)
    {
        await using var proxy = await ProxiedAgent.StartAsync(
            "--WarmKeeper:FaultInjection:FailureRate=0.25",
            $"--WarmKeeper:FaultInjection:IncludeProxy={includeProxy}");

        Assert.Equal(expected, proxy.Agent.Services.GetRequiredService<ProxyResilience>().ChaosFaultRate);
    }

    [Fact]
    public async Task Injected_target_faults_open_the_circuit_it_recovers_and_every_call_gets_an_answer()
    {
        await using var proxy = await ProxiedAgent.StartAsync(
            "--WarmKeeper:Proxy:Resilience:MinimumThroughput=5",
            "--WarmKeeper:Proxy:Resilience:SamplingDuration=00:00:05",
            "--WarmKeeper:Proxy:Resilience:BreakDuration=00:00:01");
        var resilience = proxy.Agent.Services.GetRequiredService<ProxyResilience>();
        using (var healthy = await proxy.InvokeAsync("hello"))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        }

        resilience.ChaosFaultRate = 1.0;
        var statuses = new List<(HttpStatusCode Status, string? ErrorType, string? RetryAfter)>();
        for (var i = 0; i < 12; i++)
        {
            using var r = await proxy.InvokeAsync("hello");
            statuses.Add((r.StatusCode, r.Headers.TryGetValues("x-amzn-ErrorType", out var t) ? t.Single() : null,
                r.Headers.TryGetValues("Retry-After", out var ra) ? ra.Single() : null));
        }

        Assert.Equal(CircuitState.Open, resilience.CircuitOf("local"));
        Assert.Contains(statuses, s => s.Status == HttpStatusCode.BadGateway);
        var rejectedByCircuit = statuses.Where(s => s.Status == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.NotEmpty(rejectedByCircuit);
        Assert.All(statuses, s => Assert.Equal("ServiceException", s.ErrorType));
        Assert.All(rejectedByCircuit, s => Assert.Equal("1", s.RetryAfter));

        resilience.ChaosFaultRate = 0;
        await Task.Delay(1200);
        using (var probe = await proxy.InvokeAsync("hello"))
        {
            Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        }

        Assert.Equal(CircuitState.Closed, resilience.CircuitOf("local"));

        // Half the calls failing while 200 run at once: each one is answered, in Lambda's shape.
        resilience.ChaosFaultRate = 0.5;
        var clock = Stopwatch.StartNew();
        var shots = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => OpenLoop.ShootAsync(ct => proxy.InvokeAsync("hello", "{}", ct), clock, CancellationToken.None)));
        Assert.Equal(200, shots.Length);
        Assert.All(shots, s => Assert.True(
            s.Status == HttpStatusCode.OK || (s.Status is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable && s.ErrorType == "ServiceException"),
            s.ToString()));
    }
}
