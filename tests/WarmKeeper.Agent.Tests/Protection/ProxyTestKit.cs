using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Agent.Protection;

namespace WarmKeeper.Agent.Tests.Protection;

/// <summary>An agent with its proxy on a free port, and helpers to drive load through it.</summary>
internal sealed class ProxiedAgent : IAsyncDisposable
{
    private ProxiedAgent(AgentHost agent, Uri proxy)
    {
        Agent = agent;
        Proxy = proxy;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = proxy,
            // Only a backstop against a hung test: on a fake clock a queued call is answered when the test moves the
            // agent's time, which on a loaded machine came more than 30 s after it was sent (a whole queue's walk
            // took 39 s once). Each test bounds its own waits, step by step.
            Timeout = TimeSpan.FromMinutes(5),
        };
    }

    public AgentHost Agent { get; }

    public Uri Proxy { get; }

    public HttpClient Http { get; }

    public static Task<ProxiedAgent> StartAsync(params string[] args) => StartAsync(null, args);

    /// <param name="time">The agent's one clock: a fake clock makes the proxy's buckets and queues exact.</param>
    public static async Task<ProxiedAgent> StartAsync(TimeProvider? time, params string[] args)
    {
        var agent = await AgentHost.StartAsync(null, time, ["--WarmKeeper:Proxy:Url=http://127.0.0.1:0", .. args]);
        var proxy = agent.Services.GetRequiredService<InvokeProxyHost>().BaseAddress
                    ?? throw new InvalidOperationException("The proxy is not listening.");
        return new ProxiedAgent(agent, proxy);
    }

    public async Task<HttpResponseMessage> CreateLimitAsync(string json)
    {
        var response = await Agent.Client.PostAsync(new Uri("/api/v1/rate-limits", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return response;
    }

    public async Task<JsonElement> StatusAsync(string id) =>
        (await Agent.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/rate-limits/{id}", UriKind.Relative))).GetProperty("status");

    public Task<HttpResponseMessage> InvokeAsync(string function, string payload = "{}", CancellationToken cancellationToken = default) =>
        Http.PostAsync(new Uri($"/2015-03-31/functions/{function}/invocations", UriKind.Relative),
            new StringContent(payload, Encoding.UTF8, "application/json"), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Agent.DisposeAsync();
    }
}

/// <summary>One call of an open-loop run: when it was sent, when it was answered, and how.</summary>
internal sealed record Shot(double SentAt, double AnsweredAt, HttpStatusCode Status, string? ErrorType, string? Reason);

internal static class OpenLoop
{
    /// <summary>Sends at <paramref name="perSecond"/> for <paramref name="duration"/> regardless of answers, as real callers do.</summary>
    public static async Task<IReadOnlyList<Shot>> RunAsync(
        Func<CancellationToken, Task<HttpResponseMessage>> send, double perSecond, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var shots = new List<Task<Shot>>();
        var interval = 1.0 / perSecond;
        for (var i = 0; i * interval < duration.TotalSeconds; i++)
        {
            var due = i * interval;
            var wait = due - clock.Elapsed.TotalSeconds;
            if (wait > 0.001)
            {
                await Task.Delay(TimeSpan.FromSeconds(wait), cancellationToken);
            }

            shots.Add(ShootAsync(send, clock, cancellationToken));
        }

        return await Task.WhenAll(shots);
    }

    public static async Task<Shot> ShootAsync(Func<CancellationToken, Task<HttpResponseMessage>> send, Stopwatch clock, CancellationToken cancellationToken)
    {
        var sent = clock.Elapsed.TotalSeconds;
        using var response = await send(cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        string? reason = null;
        if (response.StatusCode == HttpStatusCode.TooManyRequests && body.Length > 0)
        {
            using var doc = JsonDocument.Parse(body);
            reason = doc.RootElement.TryGetProperty("Reason", out var r) ? r.GetString() : null;
        }

        var errorType = response.Headers.TryGetValues("x-amzn-ErrorType", out var v) ? v.First() : null;
        return new Shot(sent, clock.Elapsed.TotalSeconds, response.StatusCode, errorType, reason);
    }
}
