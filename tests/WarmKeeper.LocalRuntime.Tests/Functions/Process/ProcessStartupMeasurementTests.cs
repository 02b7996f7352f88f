using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using WarmKeeper.LocalRuntime.Functions.Process;
using WarmKeeper.LocalRuntime.Hosting;
using Xunit.Abstractions;

namespace WarmKeeper.LocalRuntime.Tests.Functions.Process;

/// <summary>
/// Reports (does not assert) the numbers the process runtime is judged by: cold start against the
/// bare start-to-ready time of the same executable, and warm invoke against the built-in Echo.
/// Timing assertions would be flaky on shared build machines; the output is in the test log
/// (`dotnet test --logger "console;verbosity=detailed" --filter ProcessStartupMeasurement`).
/// </summary>
public sealed class ProcessStartupMeasurementTests(ITestOutputHelper output)
{
    private const int ColdStarts = 7;
    private const int WarmInvokes = 300;

    [Fact]
    public async Task Cold_start_and_warm_invoke_are_reported_against_their_baselines()
    {
        // Untimed first round: JIT of Kestrel, the handler and process spawning in this test process.
        await ProcessTestFunction.Factory().PrimeAsync(CancellationToken.None);
        await BareStartToReadyAsync();
        await (await HandlerColdStartAsync()).DisposeAsync();

        var bare = new List<double>();
        var handler = new List<double>();
        for (var i = 0; i < ColdStarts * 2; i++)
        {
            // Alternate, so neither side always follows the other's process teardown.
            if (i % 2 == 0)
            {
                bare.Add(await BareStartToReadyAsync());
                continue;
            }
            var started = Stopwatch.GetTimestamp();
            var environment = await HandlerColdStartAsync();
            handler.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            await environment.DisposeAsync();
            await Task.Delay(100);
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cold start, median of {ColdStarts}: bare spawn→first next {Median(bare):F1} ms; ProcessFunctionHandler Create+InitAsync {Median(handler):F1} ms; ratio {Median(handler) / Median(bare):F2}"));

        await using var runtime = await TestRuntime.StartAsync(
            options =>
            {
                var function = ProcessTestFunction.Options();
                function.Timeout = TimeSpan.FromSeconds(30);
                options.Functions["process-fn"] = function;
            },
            new LocalRuntimeServerDependencies { ProcessFunctions = ProcessTestFunction.Factory() });
        var echo = new List<double>();
        var process = new List<double>();
        Assert.Equal(HttpStatusCode.OK, (await runtime.InvokeAsync("hello", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await runtime.InvokeAsync("process-fn", "{}")).StatusCode);
        for (var i = 0; i < WarmInvokes; i++)
        {
            echo.Add(await TimedInvokeAsync(runtime, "hello"));
            process.Add(await TimedInvokeAsync(runtime, "process-fn"));
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"warm invoke over Lambda REST, {WarmInvokes} each: Echo p50 {Percentile(echo, 50):F3} ms p99 {Percentile(echo, 99):F3} ms; process p50 {Percentile(process, 50):F3} ms p99 {Percentile(process, 99):F3} ms; p50 difference {Percentile(process, 50) - Percentile(echo, 50):F3} ms"));

        Assert.All(bare.Concat(handler).Concat(echo).Concat(process), ms => Assert.True(ms > 0));
    }

    private static async Task<double> TimedInvokeAsync(TestRuntime runtime, string function)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await runtime.InvokeAsync(function, """{"k":"v"}""");
        await response.Content.ReadAsByteArrayAsync();
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return elapsed;
    }

    private static async Task<ProcessFunctionHandler> HandlerColdStartAsync()
    {
        var environment = ProcessTestFunction.Factory().Create("measured", ProcessTestFunction.Options(), Guid.NewGuid().ToString(), provisioned: false);
        await environment.InitAsync(CancellationToken.None);
        return environment;
    }

    /// <summary>The same executable against a bare socket: from spawning it to the first bytes of its `next`.</summary>
    private static async Task<double> BareStartToReadyAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var options = ProcessTestFunction.Options();
        var start = new ProcessStartInfo(options.Command!) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in options.Arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in options.Environment)
        {
            start.Environment[name] = value;
        }
        // Same working directory and time zone as the handler gives it, so only the runtime side differs.
        start.WorkingDirectory = Path.GetDirectoryName(options.Command)!;
        start.Environment["TZ"] = ":UTC";
        start.Environment["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:" + ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);

        var started = Stopwatch.GetTimestamp();
        using var process = System.Diagnostics.Process.Start(start)!;
        try
        {
            using var client = await listener.AcceptTcpClientAsync();
            var buffer = new byte[64];
            var read = await client.GetStream().ReadAsync(buffer);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            Assert.True(read > 0);
            return elapsed;
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await Task.Delay(100);
        }
    }

    private static double Median(List<double> values) => Percentile(values, 50);

    private static double Percentile(List<double> values, int percentile)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1)];
    }
}
