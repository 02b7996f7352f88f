using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using WarmKeeper.LocalRuntime;
using WarmKeeper.LocalRuntime.Functions.Process;
using WarmKeeper.LocalRuntime.Hosting;
using WarmKeeper.Testing;

namespace WarmKeeper.Benchmarks;

/// <summary>
/// Issue 2: the local runtime's warm invoke against a bare Kestrel endpoint (concurrency 1 and 16),
/// the process test function against the built-in Echo, and a process cold start against the bare
/// start-to-ready time of the same executable. Both sides of every pair share one HttpClient setup
/// and one process, and alternate in rounds.
/// </summary>
internal static partial class InvokeBenchmark
{
    private const int Rounds = 5;
    private const int ColdStarts = 7;
    private const double LatencyTarget = 1.5;
    private const double ProcessWarmTargetMs = 1.0;
    private const double ColdStartTarget = 1.2;

    private static readonly TimeSpan RoundDuration = TimeSpan.FromSeconds(1);
    private static readonly int[] Concurrencies = [1, 16];
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    /// <summary>A small event, as a typical API call would send.</summary>
    private static readonly byte[] Event = """{"orderId":"o-123456","items":[{"sku":"a-1","qty":2},{"sku":"b-7","qty":1}],"note":"warmkeeper benchmark"}"""u8.ToArray();

    public static async Task RunAsync(CancellationToken cancellationToken)
    {
        var options = new LocalRuntimeOptions { Url = "http://127.0.0.1:0" };
        // As shipped in appsettings.json.
        options.Functions["hello"] = new LocalFunctionOptions { Handler = LocalHandlerKind.Echo, MemoryMb = 128, Timeout = TimeSpan.FromSeconds(3), InitDuration = TimeSpan.FromMilliseconds(250) };
        options.Functions["process-fn"] = ProcessFunction();
        // One function per cold start: each is invoked once, so each invoke creates a new environment.
        for (var i = 0; i <= ColdStarts; i++)
        {
            options.Functions[ColdFunction(i)] = ProcessFunction();
        }

        await using var runtime = await LocalRuntimeServer.StartAsync(
            options,
            new LocalRuntimeServerDependencies { ProcessFunctions = new ProcessFunctionHandlerFactory(NullLoggerFactory.Instance, TimeProvider.System) },
            cancellationToken);
        await using var bare = await BareEndpoint.StartAsync(cancellationToken);
        using var client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };

        var hello = Invocations(runtime, "hello");
        var processFn = Invocations(runtime, "process-fn");
        await CheckSameAnswerAsync(client, hello, bare.Address, cancellationToken);

        await WarmAgainstBareAsync(client, hello, bare.Address, cancellationToken);
        await ProcessAgainstBuiltInAsync(client, hello, processFn, cancellationToken);
        await ColdAgainstBareAsync(client, runtime, options.Functions[ColdFunction(0)], cancellationToken);
    }

    private static async Task WarmAgainstBareAsync(HttpClient client, Uri hello, Uri bare, CancellationToken cancellationToken)
    {
        var rows = new List<string[]>();
        foreach (var concurrency in Concurrencies)
        {
            var (bareResult, runtimeResult) = await LoadMeasurement.SideBySideAsync(
                "bare", ct => PostAsync(client, bare, ct),
                "runtime", ct => PostAsync(client, hello, ct),
                concurrency, Rounds, RoundDuration, cancellationToken);
            var c = concurrency.ToString(CultureInfo.InvariantCulture);
            var p50 = runtimeResult.P50Ms / bareResult.P50Ms;
            var p99 = runtimeResult.P99Ms / bareResult.P99Ms;
            rows.Add([c, "p50", Report.Ms(bareResult.P50Ms), Report.Ms(runtimeResult.P50Ms), Report.Ratio(p50), $"≤ {LatencyTarget}×: {Report.Verdict(p50 <= LatencyTarget)}"]);
            rows.Add([c, "p99", Report.Ms(bareResult.P99Ms), Report.Ms(runtimeResult.P99Ms), Report.Ratio(p99), $"≤ {LatencyTarget}×: {Report.Verdict(p99 <= LatencyTarget)}"]);
            rows.Add([c, "throughput", Report.PerSecond(bareResult.ThroughputPerSecond), Report.PerSecond(runtimeResult.ThroughputPerSecond),
                Report.Ratio(runtimeResult.ThroughputPerSecond / bareResult.ThroughputPerSecond), "(higher is better)"]);
        }

        await Report.LineAsync($"### Warm invoke of `hello` (Echo) over the Lambda REST API against a bare Kestrel POST route\n\n{Rounds} rounds of {RoundDuration.TotalSeconds:0} s per side, alternating; median of the rounds' percentiles.\n", cancellationToken);
        await Report.TableAsync(["concurrency", "measure", "bare Kestrel", "local runtime", "runtime ÷ bare", "target"], rows, cancellationToken);
    }

    private static async Task ProcessAgainstBuiltInAsync(HttpClient client, Uri hello, Uri processFn, CancellationToken cancellationToken)
    {
        // The first call starts the process; what is measured afterwards is warm.
        await PostAsync(client, processFn, cancellationToken);
        var (builtIn, process) = await LoadMeasurement.SideBySideAsync(
            "built-in", ct => PostAsync(client, hello, ct),
            "process", ct => PostAsync(client, processFn, ct),
            1, Rounds, RoundDuration, cancellationToken);
        var difference = process.P50Ms - builtIn.P50Ms;
        await Report.LineAsync($"### Warm invoke of the process test function against the built-in Echo (concurrency 1)\n\nSame Lambda REST API, same client; {Rounds} rounds of {RoundDuration.TotalSeconds:0} s per side, alternating.\n", cancellationToken);
        await Report.TableAsync(
            ["measure", "built-in `hello`", "process function", "difference", "target"],
            [
                ["p50", Report.Ms(builtIn.P50Ms), Report.Ms(process.P50Ms), "+" + Report.Ms(difference), $"≤ +{ProcessWarmTargetMs} ms: {Report.Verdict(difference <= ProcessWarmTargetMs)}"],
                ["p99", Report.Ms(builtIn.P99Ms), Report.Ms(process.P99Ms), "+" + Report.Ms(process.P99Ms - builtIn.P99Ms), ""],
                ["throughput", Report.PerSecond(builtIn.ThroughputPerSecond), Report.PerSecond(process.ThroughputPerSecond),
                    Report.Ratio(process.ThroughputPerSecond / builtIn.ThroughputPerSecond), ""],
            ],
            cancellationToken);
    }

    private static async Task ColdAgainstBareAsync(HttpClient client, LocalRuntimeServer runtime, LocalFunctionOptions function, CancellationToken cancellationToken)
    {
        // The first of each in this process pays for JIT (Kestrel's Runtime API listener, process
        // spawning): reported, not counted.
        var firstBare = await BareStartToReadyAsync(function, cancellationToken);
        var first = await ColdInvokeAsync(client, Invocations(runtime, ColdFunction(ColdStarts)), cancellationToken);

        var bare = new List<double>();
        var endToEnd = new List<double>();
        var init = new List<double>();
        for (var i = 0; i < ColdStarts; i++)
        {
            bare.Add(await BareStartToReadyAsync(function, cancellationToken));
            var cold = await ColdInvokeAsync(client, Invocations(runtime, ColdFunction(i)), cancellationToken);
            endToEnd.Add(cold.EndToEndMs);
            init.Add(cold.InitDurationMs);
        }

        var bareMedian = Report.Median(bare);
        var endToEndRatio = Report.Median(endToEnd) / bareMedian;
        var initRatio = Report.Median(init) / bareMedian;
        await Report.LineAsync($"### Cold start of the process test function: through the runtime against the bare executable\n\nBare: spawn the same executable with the same environment against a loopback socket, time to the first bytes of its `GET /next`. Runtime: an Invoke of a function with no environment yet, end to end (spawn, init, the invocation, the answer), and the `Init Duration` of its REPORT line. Median of {ColdStarts}, alternating.\n", cancellationToken);
        await Report.TableAsync(
            ["measure", "bare start-to-ready", "through the runtime", "runtime ÷ bare", "target"],
            [
                ["Invoke end to end (median)", Report.Ms(bareMedian), Report.Ms(Report.Median(endToEnd)), Report.Ratio(endToEndRatio), $"≤ {ColdStartTarget}×: {Report.Verdict(endToEndRatio <= ColdStartTarget)}"],
                ["REPORT Init Duration (median)", Report.Ms(bareMedian), Report.Ms(Report.Median(init)), Report.Ratio(initRatio), $"≤ {ColdStartTarget}×: {Report.Verdict(initRatio <= ColdStartTarget)}"],
                ["Invoke end to end (min … max)", $"{Report.Ms(bare.Min())} … {Report.Ms(bare.Max())}", $"{Report.Ms(endToEnd.Min())} … {Report.Ms(endToEnd.Max())}", "", ""],
                ["first in this process (JIT)", Report.Ms(firstBare), Report.Ms(first.EndToEndMs), Report.Ratio(first.EndToEndMs / firstBare), "(not counted)"],
            ],
            cancellationToken);
    }

    private static async Task PostAsync(HttpClient client, Uri uri, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(Event);
        content.Headers.ContentType = Json;
        using var response = await client.PostAsync(uri, content, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK || body.Length == 0)
        {
            throw new InvalidOperationException($"POST {uri} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
        }
    }

    /// <summary>The comparison is only fair if both answer the same bytes.</summary>
    private static async Task CheckSameAnswerAsync(HttpClient client, Uri hello, Uri bare, CancellationToken cancellationToken)
    {
        foreach (var uri in new[] { hello, bare })
        {
            using var response = await client.PostAsync(uri, new ByteArrayContent(Event), cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!body.AsSpan().SequenceEqual(Event))
            {
                throw new InvalidOperationException($"{uri} did not echo the event: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
            }
        }
    }

    private static async Task<(double EndToEndMs, double InitDurationMs)> ColdInvokeAsync(HttpClient client, Uri uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(Event) };
        request.Headers.Add("X-Amz-Log-Type", "Tail");
        var started = Stopwatch.GetTimestamp();
        using var response = await client.SendAsync(request, cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var log = response.Headers.TryGetValues("X-Amz-Log-Result", out var values)
            ? Encoding.UTF8.GetString(Convert.FromBase64String(values.First()))
            : "";
        var match = InitDuration().Match(log);
        if (response.StatusCode != HttpStatusCode.OK || !match.Success)
        {
            throw new InvalidOperationException($"The cold invoke of {uri} answered {(int)response.StatusCode} without an Init Duration: {log}");
        }

        return (elapsed, double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>The same executable against a bare socket: from spawning it to the first bytes of its <c>GET /next</c>.</summary>
    private static async Task<double> BareStartToReadyAsync(LocalFunctionOptions function, CancellationToken cancellationToken)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var start = new ProcessStartInfo(function.Command!) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in function.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in function.Environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:" + ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);

        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {function.Command}.");
        try
        {
            using var connection = await listener.AcceptTcpClientAsync(cancellationToken);
            var buffer = new byte[64];
            var read = await connection.GetStream().ReadAsync(buffer, cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return read > 0 ? elapsed : throw new InvalidOperationException("The test function closed its connection without a request.");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static LocalFunctionOptions ProcessFunction()
    {
        var (command, arguments) = TestFunction.Command;
        var function = new LocalFunctionOptions
        {
            Handler = LocalHandlerKind.Process,
            Command = command,
            Arguments = [.. arguments],
            MemoryMb = 256,
            Timeout = TimeSpan.FromSeconds(30),
        };
        function.Environment["DOTNET_ROOT"] = TestFunction.DotnetRoot();
        return function;
    }

    private static string ColdFunction(int i) => "cold-" + i.ToString(CultureInfo.InvariantCulture);

    private static Uri Invocations(LocalRuntimeServer runtime, string function) =>
        new(runtime.BaseAddress, $"2015-03-31/functions/{function}/invocations");

    [GeneratedRegex(@"Init Duration: ([0-9.]+) ms")]
    private static partial Regex InitDuration();
}
