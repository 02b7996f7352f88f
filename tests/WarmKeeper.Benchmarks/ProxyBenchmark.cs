using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Agent.Hosting;
using WarmKeeper.Agent.Protection;
using WarmKeeper.Core.Protection;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.Benchmarks;

/// <summary>
/// The invoke proxy against a direct invoke of the built-in <c>hello</c>, side by side in one run:
/// throughput ratio and added p50/p99 latency at concurrency 1, 16 and 64, without and with a rate
/// limit in force (one that never refuses, so only the decision is paid); then the cost of one
/// limiter decision.
/// </summary>
internal static class ProxyBenchmark
{
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var rounds = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var r) ? r : 4;
        var roundDuration = TimeSpan.FromSeconds(args.Length > 1 && double.TryParse(args[1], CultureInfo.InvariantCulture, out var s) ? s : 1.0);
        var data = Directory.CreateTempSubdirectory("warmkeeper-bench-").FullName;
        var app = AgentApplication.Build(
        [
            "--urls=http://127.0.0.1:0",
            "--WarmKeeper:LocalRuntime:Url=http://127.0.0.1:0",
            "--WarmKeeper:Proxy:Url=http://127.0.0.1:0",
            $"--WarmKeeper:DataDirectory={data}",
            "--Logging:LogLevel:Default=Warning",
            // The same echo function under another name, so a limit can sit on it alone.
            "--WarmKeeper:LocalRuntime:Functions:hello-limited:Handler=echo",
            "--WarmKeeper:LocalRuntime:Functions:hello-limited:InitDuration=00:00:00.250",
        ]);
        await app.StartAsync(cancellationToken);
        try
        {
            var agentUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            var runtime = app.Services.GetRequiredService<LocalRuntimeHost>().BaseAddress!;
            var proxy = app.Services.GetRequiredService<InvokeProxyHost>().BaseAddress!;
            using (var api = new HttpClient { BaseAddress = agentUrl })
            {
                using var created = await api.PostAsync(new Uri("/api/v1/rate-limits", UriKind.Relative), new StringContent(
                    """{"id":"bench","functions":["hello-limited"],"permitsPerSecond":1000000,"burst":1000000,"maxConcurrency":10000}""",
                    Encoding.UTF8, "application/json"), cancellationToken);
                created.EnsureSuccessStatusCode();
            }

            using var direct = Client(runtime);
            using var proxied = Client(proxy);
            var payload = """{"hello":"world"}"""u8.ToArray();
            Func<CancellationToken, Task> Call(HttpClient client, string function) => async ct =>
            {
                using var content = new ByteArrayContent(payload);
                using var response = await client.PostAsync(new Uri($"/2015-03-31/functions/{function}/invocations", UriKind.Relative), content, ct);
                await response.Content.ReadAsByteArrayAsync(ct);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"{function}: {(int)response.StatusCode}");
                }
            };

            var table = new StringBuilder();
            table.AppendLine("| path | concurrency | direct ops/s | proxy ops/s | ratio | direct p50 ms | proxy p50 ms | added p50 ms | direct p99 ms | proxy p99 ms | added p99 ms |");
            table.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (label, function) in new[] { ("proxy", "hello"), ("proxy + limit", "hello-limited") })
            {
                foreach (var concurrency in new[] { 1, 16, 64 })
                {
                    var (a, b) = await LoadMeasurement.SideBySideAsync(
                        "direct", Call(direct, function), label, Call(proxied, function), concurrency, rounds, roundDuration, cancellationToken);
                    table.AppendLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {label} | {concurrency} | {a.ThroughputPerSecond:0} | {b.ThroughputPerSecond:0} | {b.ThroughputPerSecond / a.ThroughputPerSecond:0.00} | {a.P50Ms:0.000} | {b.P50Ms:0.000} | {b.P50Ms - a.P50Ms:0.000} | {a.P99Ms:0.000} | {b.P99Ms:0.000} | {b.P99Ms - a.P99Ms:0.000} |"));
                    await Console.Out.WriteLineAsync($"  measured {label} at concurrency {concurrency}");
                }
            }

            await Console.Out.WriteLineAsync();
            await Console.Out.WriteAsync(table.ToString());
            await Console.Out.WriteLineAsync();
            await Console.Out.WriteLineAsync(await LimiterDecisionCostAsync(cancellationToken));
            return 0;
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open; the temp directory is cleaned by the OS.
            }
        }
    }

    private static HttpClient Client(Uri baseAddress) => new(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
    {
        BaseAddress = baseAddress,
    };

    /// <summary>One admission and release through a gate (token bucket + concurrency cap), and the bucket alone.</summary>
    private static async Task<string> LimiterDecisionCostAsync(CancellationToken cancellationToken)
    {
        var spec = new RateLimitSpec { Id = "bench", Functions = ["f"], PermitsPerSecond = 1e6, Burst = 1_000_000, MaxConcurrency = 10_000 };
        var time = TimeProvider.System;
        using var gate = new RateLimitGate(spec, new LocalRateBudget(1e6, 1_000_000, time), new RateLimitCounters(), time);
        const int n = 500_000;
        for (var i = 0; i < 10_000; i++)
        {
            var v = await gate.AdmitAsync(false, cancellationToken);
            gate.Finished(v, TimeSpan.FromMilliseconds(1));
        }

        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            var v = await gate.AdmitAsync(false, cancellationToken);
            gate.Finished(v, TimeSpan.FromMilliseconds(1));
        }

        var gateNs = sw.Elapsed.TotalNanoseconds / n;

        var bucket = new TokenBucket(1e6, 1_000_000, 0);
        sw.Restart();
        for (var i = 0; i < n; i++)
        {
            bucket.Take(i * 1e-6, TimeSpan.Zero);
        }

        var bucketNs = sw.Elapsed.TotalNanoseconds / n;
        return string.Create(CultureInfo.InvariantCulture,
            $"Limiter decision (admit + release through a gate with a token bucket and a concurrency cap, one thread): {gateNs:0} ns; token bucket alone: {bucketNs:0} ns.");
    }
}
