using System.Diagnostics;
using System.Text.Json;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Testing;

namespace WarmKeeper.Agent.Tests.Warmup;

/// <summary>
/// The pings WarmupJob sends in the lambda-warmer format, met by the real lambda-warmer (npm) in a
/// real Node process: the library must take every one as a warmer ping (answer true), never fan out
/// from it, and hold its environment for its delay. The library is read from
/// <c>WARMKEEPER_LAMBDA_WARMER_DIR</c> (the package's folder), else from
/// <c>tests/functions/node/node_modules/lambda-warmer</c> where <c>.ci/run</c> installs it; without
/// either, or without <c>node</c>, the test skips with the reason (a failure under WARMKEEPER_REQUIRE_ALL=1).
/// lambda-warmer-py 0.6.0 follows the same rules (read from its source: fan-out on <c>concurrency</c>
/// above 1, a delay when <c>__WARMER_INVOCATION__</c> is above 1) but has no Python runtime in the suite.
/// </summary>
public sealed class WarmupPingsRealWarmersTests
{
    private const string DirVariable = "WARMKEEPER_LAMBDA_WARMER_DIR";

    [SkippableFact]
    public async Task The_real_lambda_warmer_takes_every_ping_as_its_own_and_never_fans_out()
    {
        var root = LocalTools.FindRepositoryRoot() ?? throw new DirectoryNotFoundException($"No WarmKeeper.sln above {AppContext.BaseDirectory}.");
        var library = Environment.GetEnvironmentVariable(DirVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(root, "tests", "functions", "node", "node_modules", "lambda-warmer");
        RequireAll.SkipUnless(File.Exists(Path.Combine(library, "index.js")),
            $"lambda-warmer not found at {library}: set {DirVariable} to its package folder or run `npm ci` in tests/functions/node.");
        var node = LocalTools.FindOnPath("node");
        RequireAll.SkipUnless(node is not null, "node is not on PATH.");

        var policy = new WarmupPolicy { Id = "p", Target = "local", Function = "probe", Schedule = "* * * * *", FanOut = 5, PayloadFormat = WarmupPayloadFormat.LambdaWarmer };
        var pings = Enumerable.Range(0, 5).Select(i => JsonDocument.Parse(WarmupPings.Build(policy, "run-1", i, 5)).RootElement).ToList();
        // The control: an event in the shape WarmKeeper used to send, which the library fans out from.
        var control = JsonDocument.Parse("""{"warmer":true,"concurrency":5,"__WARMER_INVOCATION__":1,"__WARMER_CONCURRENCY__":5}""").RootElement;

        var results = await ProbeAsync(node!, Path.Combine(root, "tests", "WarmKeeper.Agent.Tests", "Warmup", "lambda-warmer-probe.js"), library, [.. pings, control]);

        for (var i = 0; i < pings.Count; i++)
        {
            Assert.True(results[i].GetProperty("answer").GetBoolean(), $"ping {i} was not taken as a warmer ping");
            Assert.Equal(0, results[i].GetProperty("invokes").GetArrayLength());
            Assert.Equal([75], results[i].GetProperty("delays").EnumerateArray().Select(d => d.GetInt32()));
        }

        Assert.Equal(4, results[^1].GetProperty("invokes").GetArrayLength());
    }

    private static async Task<List<JsonElement>> ProbeAsync(string node, string script, string library, IReadOnlyList<JsonElement> events)
    {
        var start = new ProcessStartInfo(node) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(library);
        start.ArgumentList.Add(JsonSerializer.Serialize(events));
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, await error);
        return [.. JsonDocument.Parse(await output).RootElement.EnumerateArray()];
    }
}
