using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Agent.Simulation;

namespace WarmKeeper.Agent.Tests.Simulation;

/// <summary>
/// The bounds of <c>POST /api/v1/simulations</c>, watched through the simulation's own progress and end (never a
/// client clock): a simulation is held at its first finished run until the test has done what it needs.
/// </summary>
public sealed class SimulationLimiterTests
{
    private static readonly Uri Simulations = new("/api/v1/simulations", UriKind.Relative);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>A body for a trace of the given size, asking for 2 policies × 3 REAP values (6 runs).</summary>
    private static StringContent Body(int functions = 1, int invocations = 50)
    {
        var functionsCsv = new StringBuilder("function,memory_mb,init_ms\n");
        for (var f = 0; f < functions; f++)
        {
            functionsCsv.Append(CultureInfo.InvariantCulture, $"f{f},128,200\n");
        }

        var invocationsCsv = new StringBuilder("t_ms,function,duration_ms\n");
        for (var i = 0; i < invocations; i++)
        {
            invocationsCsv.Append(CultureInfo.InvariantCulture, $"{i * 60_000L},f{i % functions},100\n");
        }

        var json = JsonSerializer.Serialize(new
        {
            trace = new { functionsCsv = functionsCsv.ToString(), invocationsCsv = invocationsCsv.ToString() },
            policies = new[] { "none", "ping-5min" },
            reapMinutes = new[] { 5, 10, 30 },
        });
        return new StringContent(json, Encoding.UTF8, "application/json");
    }

    [Fact]
    public async Task A_caller_that_disconnects_stops_its_simulation()
    {
        await using var agent = await AgentHost.StartAsync();
        var limiter = agent.Services.GetRequiredService<SimulationLimiter>();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ended = new TaskCompletionSource<SimulationEndedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var abortSeen = false;
        void Hold(object? sender, SimulationProgressEventArgs e)
        {
            // Hold every finished run until the caller is gone, so no run can start after the first has finished.
            running.TrySetResult();
            abortSeen |= e.Aborted.WaitHandle.WaitOne(Patience);
        }

        limiter.Progressed += Hold;
        limiter.Ended += (_, e) => ended.TrySetResult(e);

        using var caller = new CancellationTokenSource();
        var post = agent.Client.PostAsync(Simulations, Body(), caller.Token);
        await running.Task.WaitAsync(Patience);
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => post);

        var end = await ended.Task.WaitAsync(Patience);
        Assert.True(abortSeen, "the simulation never saw its caller go");
        Assert.Equal(SimulationOutcome.Cancelled, end.Outcome);
        Assert.Equal(6, end.TotalRuns);
        Assert.InRange(end.CompletedRuns, 1, Math.Max(1, Environment.ProcessorCount / 2));

        // The permit came back: the next simulation runs.
        limiter.Progressed -= Hold;
        var next = await agent.Client.PostAsync(Simulations, Body());
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task The_simulation_past_MaxConcurrent_is_answered_429_with_Retry_After()
    {
        await using var agent = await AgentHost.StartAsync(null, "--WarmKeeper:Simulations:MaxConcurrent=2", "--WarmKeeper:Simulations:RetryAfter=00:00:07");
        var limiter = agent.Services.GetRequiredService<SimulationLimiter>();
        using var holding = new SemaphoreSlim(0);
        using var release = new ManualResetEventSlim();
        limiter.Progressed += (_, e) =>
        {
            if (e.Progress.Completed == 1)
            {
                holding.Release();
            }

            release.Wait(Patience);
        };

        var first = agent.Client.PostAsync(Simulations, Body());
        var second = agent.Client.PostAsync(Simulations, Body());
        Assert.True(await holding.WaitAsync(Patience));
        Assert.True(await holding.WaitAsync(Patience));

        var third = await agent.Client.PostAsync(Simulations, Body());
        release.Set();

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), third.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        var problem = await third.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal("WarmKeeper:Simulations:MaxConcurrent", problem.GetProperty("limit").GetString());
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.Client.PostAsync(Simulations, Body())).StatusCode);
    }

    [Fact]
    public async Task Each_size_limit_answers_413_naming_the_limit_and_the_field()
    {
        await using var agent = await AgentHost.StartAsync(
            null, "--WarmKeeper:Simulations:MaxBodyBytes=4096", "--WarmKeeper:Simulations:MaxFunctions=3", "--WarmKeeper:Simulations:MaxInvocations=20");
        var ended = 0;
        agent.Services.GetRequiredService<SimulationLimiter>().Ended += (_, _) => Interlocked.Increment(ref ended);

        async Task AssertTooLarge(HttpContent body, string limit, string field)
        {
            var response = await agent.Client.PostAsync(Simulations, body);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal($"WarmKeeper:Simulations:{limit}", problem.GetProperty("limit").GetString());
            Assert.Contains($"WarmKeeper:Simulations:{limit}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}");
        }

        // Told by Content-Length, and found while reading a chunked body that announces no length.
        await AssertTooLarge(Body(invocations: 400), "MaxBodyBytes", "body");
        await AssertTooLarge(new NoLengthContent(await Body(invocations: 400).ReadAsByteArrayAsync()), "MaxBodyBytes", "body");
        await AssertTooLarge(Body(functions: 4, invocations: 8), "MaxFunctions", "trace");
        await AssertTooLarge(Body(invocations: 21), "MaxInvocations", "trace");

        // At the limits it runs; nothing above them ever started.
        Assert.Equal(0, Volatile.Read(ref ended));
        Assert.Equal(HttpStatusCode.OK, (await agent.Client.PostAsync(Simulations, Body(functions: 3, invocations: 20))).StatusCode);
        Assert.Equal(1, Volatile.Read(ref ended));
    }

    /// <summary>Content that does not tell its length, so HttpClient sends it chunked.</summary>
    private sealed class NoLengthContent : HttpContent
    {
        private readonly byte[] _bytes;

        public NoLengthContent(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
