using System.Diagnostics;
using System.Globalization;
using WarmKeeper.Core.Simulation;

namespace WarmKeeper.Agent.Simulation;

/// <summary>
/// <c>warmkeeper simulate --trace DIR [--trace DIR]... [--policy NAME]... [--reap 5,10,30] [--format table|csv|json]
/// [--plot FILE.png] [--parallel N]</c>: replays traces against policies on the platform model and reports cold starts
/// and cost. Results go to stdout; progress and errors to stderr, so <c>--format json</c> output stays clean.
/// </summary>
public static class SimulateCommand
{
    /// <summary>Exit code for bad arguments.</summary>
    public const int UsageExitCode = 2;

    /// <summary>Exit code for a trace that cannot be read; every problem is printed with its file and line.</summary>
    public const int BadTraceExitCode = 3;

    private const string Usage = """
        usage: warmkeeper simulate --trace DIR [--trace DIR]... [--policy NAME]... [--reap 5,10,30]
                                   [--format table|csv|json] [--plot FILE.png] [--parallel N]
          --trace DIR     a trace folder (functions.csv, invocations.csv); repeatable
          --policy NAME   a policy to run; repeatable or comma-separated (default: every reference policy and adaptive)
          --reap LIST     the platform's idle timeouts to run, in minutes (default 5,10,30)
          --format F      table (default), csv or json, on stdout
          --plot FILE     also draw cold starts against cost, one point per policy, as a PNG
          --parallel N    runs at once (default: the processor count)
        """;

    /// <summary>Runs the verb.</summary>
    /// <returns>0 on success, <see cref="UsageExitCode"/> or <see cref="BadTraceExitCode"/> on refused input.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (!TryParse(args, out var options, out var problems))
        {
            foreach (var problem in problems)
            {
                await stderr.WriteLineAsync($"error: {problem}");
            }

            await stderr.WriteLineAsync(Usage);
            return problems.Count == 0 ? 0 : UsageExitCode;
        }

        var traces = new List<DemandTrace>();
        var refused = false;
        foreach (var folder in options.Traces)
        {
            try
            {
                traces.Add(TraceReader.Read(folder));
            }
            catch (TraceFormatException e)
            {
                refused = true;
                await stderr.WriteLineAsync($"error: the trace in {folder} is refused ({e.Errors.Count} problem{(e.Errors.Count == 1 ? "" : "s")}{(e.Errors.Count >= TraceReader.MaxErrors ? ", showing the first" : "")}):");
                foreach (var error in e.Errors)
                {
                    await stderr.WriteLineAsync($"  {error}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                refused = true;
                await stderr.WriteLineAsync($"error: the trace in {folder} cannot be read: {e.Message}");
            }
        }

        if (refused)
        {
            return BadTraceExitCode;
        }

        var runs = traces
            .SelectMany(trace => SimulationRunner.Combine(trace, options.Policies.Select(p => PolicyCatalog.Get(p, trace)), options.Reaps))
            .ToArray();
        var clock = Stopwatch.StartNew();
        var progress = new SynchronousProgress(p => stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[{p.Completed,3}/{p.Total}] {p.Latest.Trace} {p.Latest.Policy} REAP {p.Latest.ReapMs / 60_000.0:0.###} min: {p.Latest.ColdStarts:N0} cold, {p.Latest.Pings:N0} pings, ${p.Latest.CostUsd:0.0000} ({clock.Elapsed.TotalSeconds:0.0} s)")));
        var results = await new SimulationRunner(options.Parallel).RunAsync(runs, progress, cancellationToken);
        await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{runs.Length} runs ({traces.Count} trace{(traces.Count == 1 ? "" : "s")}, {traces.Sum(t => (long)t.InvocationCount):N0} invocations each policy and REAP) in {clock.Elapsed.TotalSeconds:0.00} s"));

        var rows = results.Select(SimulationRow.From).ToArray();
        await stdout.WriteAsync(options.Format switch
        {
            "csv" => SimulationReport.Csv(rows),
            "json" => SimulationReport.Json(rows) + Environment.NewLine,
            _ => SimulationReport.Table(rows),
        });

        if (options.Plot is { } plot)
        {
            ParetoPlot.Save(rows, plot);
            await stderr.WriteLineAsync($"Pareto picture written to {plot}");
        }

        return 0;
    }

    private static bool TryParse(string[] args, out Options options, out List<string> problems)
    {
        problems = [];
        var traces = new List<string>();
        var policies = new List<string>();
        var reaps = new List<TimeSpan>();
        string format = "table";
        string? plot = null;
        int? parallel = null;
        var help = false;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string? inline = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                inline = arg[(equals + 1)..];
                arg = arg[..equals];
            }

            if (arg is "-h" or "--help")
            {
                help = true;
                continue;
            }

            if (arg is not ("--trace" or "--policy" or "--reap" or "--format" or "--plot" or "--parallel"))
            {
                problems.Add($"unknown argument '{args[i]}'");
                continue;
            }

            var value = inline ?? (i + 1 < args.Length ? args[++i] : null);
            if (string.IsNullOrWhiteSpace(value))
            {
                problems.Add($"{arg} needs a value");
                continue;
            }

            switch (arg)
            {
                case "--trace":
                    if (!Directory.Exists(value))
                    {
                        problems.Add($"--trace: no such folder '{value}'");
                    }

                    traces.Add(value);
                    break;
                case "--policy":
                    foreach (var name in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!PolicyCatalog.IsKnown(name))
                        {
                            problems.Add($"--policy: unknown policy '{name}'; known: {string.Join(", ", PolicyCatalog.Names)}");
                        }
                        else if (!policies.Contains(name, StringComparer.Ordinal))
                        {
                            policies.Add(name);
                        }
                    }

                    break;
                case "--reap":
                    foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes) && minutes > 0 && minutes <= 24 * 60)
                        {
                            reaps.Add(TimeSpan.FromMinutes(minutes));
                        }
                        else
                        {
                            problems.Add($"--reap: '{part}' is not a number of minutes in (0, 1440]");
                        }
                    }

                    break;
                case "--format":
                    if (value is "table" or "csv" or "json")
                    {
                        format = value;
                    }
                    else
                    {
                        problems.Add($"--format: '{value}' is not one of table, csv, json");
                    }

                    break;
                case "--plot":
                    if (!value.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                    {
                        problems.Add($"--plot: '{value}' must be a .png file");
                    }
                    else if (Path.GetDirectoryName(Path.GetFullPath(value)) is { } directory && !Directory.Exists(directory))
                    {
                        problems.Add($"--plot: the folder '{directory}' does not exist");
                    }

                    plot = value;
                    break;
                case "--parallel":
                    if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var degree) && degree > 0)
                    {
                        parallel = degree;
                    }
                    else
                    {
                        problems.Add($"--parallel: '{value}' is not a positive whole number");
                    }

                    break;
            }
        }

        if (traces.Count == 0 && !help)
        {
            problems.Add("--trace is required");
        }

        options = new Options(
            traces,
            policies.Count > 0 ? policies : [.. PolicyCatalog.DefaultNames],
            reaps.Count > 0 ? [.. reaps.Distinct()] : [TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)],
            format,
            plot,
            parallel);
        return problems.Count == 0 && !help;
    }

    private sealed record Options(IReadOnlyList<string> Traces, IReadOnlyList<string> Policies, IReadOnlyList<TimeSpan> Reaps, string Format, string? Plot, int? Parallel);

    /// <summary>Reports on the caller's thread, at once (Progress&lt;T&gt; would post to a context that a console lacks).</summary>
    private sealed class SynchronousProgress(Action<SimulationProgress> report) : IProgress<SimulationProgress>
    {
        private readonly Lock _gate = new();

        public void Report(SimulationProgress value)
        {
            lock (_gate)
            {
                report(value);
            }
        }
    }
}
