using System.Text.Json;
using WarmKeeper.Agent.Hosting;
using WarmKeeper.Agent.Simulation;

namespace WarmKeeper.Agent.Tests.Simulation;

/// <summary><c>warmkeeper simulate</c> on trace folders written to temp dirs.</summary>
public sealed class SimulateCommandTests : IDisposable
{
    private const string Functions = "function,memory_mb,init_ms\napi,256,300\nworker,1024,700\n";
    private readonly List<string> _folders = [];

    public void Dispose()
    {
        foreach (var folder in _folders)
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private string TraceFolder(string functions, string invocations)
    {
        var folder = Directory.CreateTempSubdirectory("warmkeeper-trace-").FullName;
        _folders.Add(folder);
        File.WriteAllText(Path.Combine(folder, "functions.csv"), functions);
        File.WriteAllText(Path.Combine(folder, "invocations.csv"), invocations);
        return folder;
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await AgentCommandLine.RunAsync(["simulate", .. args], stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public static TheoryData<string, string, string> BadInvocations => new()
    {
        { "t_ms,function\n0,api\n", "invocations.csv:1:", "duration_ms" },
        { "t_ms,function,duration_ms\n5000,api,10\n4000,api,10\n", "invocations.csv:3:", "sorted" },
        { "t_ms,function,duration_ms\n-5,api,10\n", "invocations.csv:2:", "t_ms" },
        { "t_ms,function,duration_ms\n0,api,10\n10,nope,10\n", "invocations.csv:3:", "nope" },
        { "t_ms,function,duration_ms\n0,api,-3\n", "invocations.csv:2:", "duration_ms" },
    };

    [Theory]
    [MemberData(nameof(BadInvocations))]
    public async Task A_bad_trace_is_refused_with_the_line_and_the_reason(string invocations, string line, string reason)
    {
        var folder = TraceFolder(Functions, invocations);

        var (code, stdout, stderr) = await RunAsync("--trace", folder, "--policy", "none");

        Assert.Equal(SimulateCommand.BadTraceExitCode, code);
        Assert.Empty(stdout);
        Assert.Contains("is refused", stderr, StringComparison.Ordinal);
        var problem = stderr.Split('\n').Single(l => l.Contains(line, StringComparison.Ordinal));
        Assert.Contains(reason, problem, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_missing_column_in_functions_is_named()
    {
        var folder = TraceFolder("function,memory_mb\napi,256\n", "t_ms,function,duration_ms\n0,api,10\n");

        var (code, _, stderr) = await RunAsync("--trace", folder);

        Assert.Equal(SimulateCommand.BadTraceExitCode, code);
        Assert.Contains("functions.csv:1:", stderr, StringComparison.Ordinal);
        Assert.Contains("init_ms", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_arguments_are_each_named_with_the_usage()
    {
        var (code, stdout, stderr) = await RunAsync("--trace", "/no/such/folder", "--policy", "magic", "--reap", "0,x", "--format", "xml", "--colour");

        Assert.Equal(SimulateCommand.UsageExitCode, code);
        Assert.Empty(stdout);
        foreach (var expected in new[] { "/no/such/folder", "'magic'", "'0'", "'x'", "'xml'", "--colour", "usage:" })
        {
            Assert.Contains(expected, stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Json_goes_to_stdout_alone_with_progress_on_stderr_and_the_picture_is_a_png()
    {
        var folder = TraceFolder(Functions, "t_ms,function,duration_ms\n0,api,120\n400000,api,80\n400000,worker,2000\n2000000,api,90\n");
        var png = Path.Combine(folder, "pareto.png");

        var (code, stdout, stderr) = await RunAsync("--trace", folder, "--policy", "none,ping-5min", "--policy", "adaptive", "--reap", "5,30", "--format", "json", "--plot", png);

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout);
        var rows = json.RootElement.EnumerateArray().ToArray();
        Assert.Equal(6, rows.Length);
        foreach (var row in rows)
        {
            Assert.Equal(
                ["coldStarts", "costUsd", "invocations", "pings", "policy", "reapMinutes", "throttles", "trace"],
                row.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal(4, row.GetProperty("invocations").GetInt64());
        }

        var none5 = rows.Single(r => r.GetProperty("policy").GetString() == "none" && r.GetProperty("reapMinutes").GetDouble() == 5);
        Assert.Equal(4, none5.GetProperty("coldStarts").GetInt64());
        Assert.Equal(0, none5.GetProperty("pings").GetInt64());
        Assert.Contains("[  6/6]", stderr, StringComparison.Ordinal);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png).Take(4));
    }

    [Fact]
    public async Task The_table_has_a_line_per_policy_and_reap()
    {
        var folder = TraceFolder(Functions, "t_ms,function,duration_ms\n0,api,120\n");

        var (code, stdout, _) = await RunAsync("--trace", folder, "--policy", "none", "--reap", "10", "--format", "table");
        var (csvCode, csv, _) = await RunAsync("--trace", folder, "--policy", "none", "--reap", "10", "--format", "csv");

        Assert.Equal(0, code);
        Assert.Equal(0, csvCode);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains("cold starts", lines[0], StringComparison.Ordinal);
        Assert.Contains("10 min", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("trace,policy,reap_minutes", csv, StringComparison.Ordinal);
        Assert.Contains($",none,10,1,1,1.000000,0,0,", csv, StringComparison.Ordinal);
    }
}
