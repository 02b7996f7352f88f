using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using WarmKeeper.LocalRuntime;
using WarmKeeper.LocalRuntime.Engine;
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
    private const int Rounds = 7;
    private const int ColdStarts = 9;
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

        await WarmAgainstBareAsync(client, runtime, hello, bare.Address, cancellationToken);
        await ProcessAgainstBuiltInAsync(client, hello, processFn, cancellationToken);
        await ColdAgainstBareAsync(client, runtime, options.Functions[ColdFunction(0)], cancellationToken);
    }

    private static async Task WarmAgainstBareAsync(HttpClient client, LocalRuntimeServer runtime, Uri hello, Uri bare, CancellationToken cancellationToken)
    {
        // The engine called in-process, without HTTP: says how much of the difference is the engine's.
        async Task EngineAloneAsync(CancellationToken ct)
        {
            var result = await runtime.Engine.InvokeAsync(new LocalInvokeRequest("hello", null, null, Event), ct);
            if (result.StatusCode != 200)
            {
                throw new InvalidOperationException($"The engine answered {result.StatusCode}.");
            }
        }

        var rows = new List<string[]>();
        LoadResult? engineAlone = null;
        foreach (var concurrency in Concurrencies)
        {
            List<(string, Func<CancellationToken, Task>)> operations =
            [
                ("bare", ct => PostAsync(client, bare, ct)),
                ("runtime", ct => PostAsync(client, hello, ct)),
            ];
            if (concurrency == 1)
            {
                operations.Add(("engine", EngineAloneAsync));
            }

            var results = await LoadMeasurement.InterleavedAsync(operations, concurrency, Rounds, RoundDuration, cancellationToken);
            var (bareResult, runtimeResult) = (results[0], results[1]);
            engineAlone ??= results.Count > 2 ? results[2] : null;
            var c = concurrency.ToString(CultureInfo.InvariantCulture);
            var p50 = runtimeResult.P50Ms / bareResult.P50Ms;
            var p99 = runtimeResult.P99Ms / bareResult.P99Ms;
            rows.Add([c, "p50", Report.Ms(bareResult.P50Ms), Report.Ms(runtimeResult.P50Ms), Report.Ratio(p50), $"≤ {LatencyTarget}×: {Report.Verdict(p50 <= LatencyTarget)}"]);
            rows.Add([c, "p99", Report.Ms(bareResult.P99Ms), Report.Ms(runtimeResult.P99Ms), Report.Ratio(p99), $"≤ {LatencyTarget}×: {Report.Verdict(p99 <= LatencyTarget)}"]);
            rows.Add([c, "throughput", Report.PerSecond(bareResult.ThroughputPerSecond), Report.PerSecond(runtimeResult.ThroughputPerSecond),
                Report.Ratio(runtimeResult.ThroughputPerSecond / bareResult.ThroughputPerSecond), "(higher is better)"]);
        }

        var (bareBytes, runtimeBytes) = await AllocatedPerCallAsync(ct => PostAsync(client, bare, ct), ct => PostAsync(client, hello, ct), cancellationToken);
        rows.Add(["1", "allocated per call (client + server)", Report.Bytes(bareBytes), Report.Bytes(runtimeBytes), Report.Ratio(runtimeBytes / bareBytes), ""]);

        await Report.LineAsync($"### Warm invoke of `hello` (Echo) over the Lambda REST API against a bare Kestrel POST route\n\nRaw `HttpClient` POSTs of the same {Event.Length}-byte event to both, same client; {Rounds} rounds of {RoundDuration.TotalSeconds:0} s per side, alternating; median of the rounds' percentiles.\n", cancellationToken);
        await Report.TableAsync(["concurrency", "measure", "bare Kestrel", "local runtime", "runtime ÷ bare", "target"], rows, cancellationToken);
        if (engineAlone is not null)
        {
            await Report.LineAsync($"In the same rounds at concurrency 1, `LocalLambdaEngine.InvokeAsync` alone (no HTTP): p50 {Report.Ms(engineAlone.P50Ms)}, p99 {Report.Ms(engineAlone.P99Ms)}.\n", cancellationToken);
        }
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
        await using var stub = await RuntimeApiStub.StartAsync(Event, cancellationToken);

        // The first of each in this process pays for JIT (Kestrel's Runtime API listener, process
        // spawning): reported, not counted.
        var firstBare = await BareStartAsync(stub, function, cancellationToken);
        var first = await ColdInvokeAsync(client, Invocations(runtime, ColdFunction(ColdStarts)), cancellationToken);

        var bareReady = new List<double>();
        var bareAnswered = new List<double>();
        var endToEnd = new List<double>();
        var init = new List<double>();
        for (var i = 0; i < ColdStarts; i++)
        {
            var bare = await BareStartAsync(stub, function, cancellationToken);
            bareReady.Add(bare.ReadyMs);
            bareAnswered.Add(bare.AnsweredMs);
            var cold = await ColdInvokeAsync(client, Invocations(runtime, ColdFunction(i)), cancellationToken);
            endToEnd.Add(cold.EndToEndMs);
            init.Add(cold.InitDurationMs);
        }

        var readyRatio = Report.Median(init) / Report.Median(bareReady);
        var answeredRatio = Report.Median(endToEnd) / Report.Median(bareAnswered);
        await Report.LineAsync($"### Cold start of the process test function: through the runtime against the bare executable\n\nBare: the same executable, same environment, spawned against a minimal Runtime API stub (Kestrel, one event): spawn → first `GET /next` (ready) and spawn → its response to the event posted (answered). Runtime: an Invoke of a function with no environment yet: the REPORT line's `Init Duration` (ready) and the Invoke end to end over the Lambda REST API (answered). Median of {ColdStarts}, alternating.\n", cancellationToken);
        await Report.TableAsync(
            ["measure", "bare executable", "through the runtime", "runtime ÷ bare", "target"],
            [
                ["ready (median)", Report.Ms(Report.Median(bareReady)), Report.Ms(Report.Median(init)), Report.Ratio(readyRatio), $"≤ {ColdStartTarget}×: {Report.Verdict(readyRatio <= ColdStartTarget)}"],
                ["first event answered (median)", Report.Ms(Report.Median(bareAnswered)), Report.Ms(Report.Median(endToEnd)), Report.Ratio(answeredRatio), $"≤ {ColdStartTarget}×: {Report.Verdict(answeredRatio <= ColdStartTarget)}"],
                ["first event answered (min … max)", $"{Report.Ms(bareAnswered.Min())} … {Report.Ms(bareAnswered.Max())}", $"{Report.Ms(endToEnd.Min())} … {Report.Ms(endToEnd.Max())}", "", ""],
                ["first of each in this process (JIT)", Report.Ms(firstBare.AnsweredMs), Report.Ms(first.EndToEndMs), Report.Ratio(first.EndToEndMs / firstBare.AnsweredMs), "(not counted)"],
            ],
            cancellationToken);
    }

    /// <summary>
    /// Bytes allocated in the whole process per sequential call, median of alternating batches: a
    /// figure the machine's load cannot blur, and what drives gen-0 collections (and so the p99).
    /// </summary>
    private static async Task<(double A, double B)> AllocatedPerCallAsync(
        Func<CancellationToken, Task> a, Func<CancellationToken, Task> b, CancellationToken cancellationToken)
    {
        const int Calls = 2000;
        async Task<double> BatchAsync(Func<CancellationToken, Task> operation)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < Calls; i++)
            {
                await operation(cancellationToken);
            }

            return (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)Calls;
        }

        var resultsA = new List<double>();
        var resultsB = new List<double>();
        for (var batch = 0; batch < 3; batch++)
        {
            resultsA.Add(await BatchAsync(a));
            resultsB.Add(await BatchAsync(b));
        }

        return (Report.Median(resultsA), Report.Median(resultsB));
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

    /// <summary>The same executable against the stub: spawn → first <c>next</c>, and spawn → its answer to the event.</summary>
    private static async Task<(double ReadyMs, double AnsweredMs)> BareStartAsync(RuntimeApiStub stub, LocalFunctionOptions function, CancellationToken cancellationToken)
    {
        // Started as ProcessFunctionHandler starts it: its working directory, pipes and environment.
        var directory = Path.GetDirectoryName(function.Command!)!;
        var start = new ProcessStartInfo(function.Command!)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        foreach (var argument in function.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in function.Environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["AWS_LAMBDA_RUNTIME_API"] = stub.HostAndPort;
        start.Environment["AWS_LAMBDA_FUNCTION_NAME"] = "bare";
        start.Environment["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST";
        start.Environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = function.MemoryMb.ToString(CultureInfo.InvariantCulture);
        start.Environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
        start.Environment["AWS_REGION"] = "us-east-1";
        start.Environment["TZ"] = ":UTC";
        start.Environment["LAMBDA_TASK_ROOT"] = directory;
        start.Environment["_HANDLER"] = Path.GetFileName(function.Command!);

        var (ready, answered) = stub.Expect();
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {function.Command}.");
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(TimeSpan.FromSeconds(30));
            var readyAt = await ready.WaitAsync(limit.Token);
            var answeredAt = await answered.WaitAsync(limit.Token);
            return (Stopwatch.GetElapsedTime(started, readyAt).TotalMilliseconds, Stopwatch.GetElapsedTime(started, answeredAt).TotalMilliseconds);
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
