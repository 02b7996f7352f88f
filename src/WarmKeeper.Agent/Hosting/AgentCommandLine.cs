using Microsoft.Extensions.Options;

namespace WarmKeeper.Agent.Hosting;

/// <summary>
/// The <c>warmkeeper</c> executable's verbs: <c>serve</c> (the default) runs the agent, <c>hash-key</c>
/// prints the configured form of an API key. Every other argument is ordinary .NET configuration (<c>--Key=Value</c>).
/// </summary>
public static class AgentCommandLine
{
    /// <summary>Exit code when the configuration is invalid; the process prints every problem first.</summary>
    public const int InvalidConfigurationExitCode = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var rest = args;
        if (args.Length > 0 && args[0] == "simulate") return await Simulation.SimulateCommand.RunAsync(args[1..], stdout, stderr, cancellationToken);
        if (args.Length > 0 && args[0] == "hash-key")
        {
            if (args.Length != 2 || string.IsNullOrEmpty(args[1]))
            {
                await stderr.WriteLineAsync("usage: warmkeeper hash-key <key>   (prints the value for WarmKeeper:Api:Keys:<name>:Hash)");
                return 1;
            }

            await stdout.WriteLineAsync(Security.ApiKeyHashing.Hash(args[1]));
            return 0;
        }

        if (args.Length > 0 && args[0] == "serve")
        {
            rest = args[1..];
        }

        WebApplication app;
        try
        {
            app = AgentApplication.Build(rest);
        }
        catch (ConfigurationProblemsException e)
        {
            await WriteProblemsAsync(stderr, e.Problems);
            return InvalidConfigurationExitCode;
        }

        await using (app)
        {
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (Exception e) when (ConfigurationProblemsException.TryCollect(e, out var problems))
            {
                await WriteProblemsAsync(stderr, problems);
                return InvalidConfigurationExitCode;
            }

            await app.WaitForShutdownAsync(cancellationToken);
        }

        return 0;
    }

    private static async Task WriteProblemsAsync(TextWriter stderr, IReadOnlyList<string> problems)
    {
        await stderr.WriteLineAsync($"WarmKeeper cannot start: the configuration has {problems.Count} problem{(problems.Count == 1 ? "" : "s")}:");
        foreach (var problem in problems)
        {
            await stderr.WriteLineAsync($"  - {problem}");
        }

        await stderr.WriteLineAsync("Settings come from appsettings.json, environment variables (WarmKeeper__Section__Key) and --Key=Value arguments.");
    }
}

/// <summary>Every configuration problem found at start, gathered into one error.</summary>
public sealed class ConfigurationProblemsException(IReadOnlyList<string> problems)
    : Exception("The configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;

    /// <summary>Flattens options-validation failures (one, or several in an AggregateException) into their messages.</summary>
    public static bool TryCollect(Exception exception, out IReadOnlyList<string> problems)
    {
        var found = new List<string>();
        Collect(exception, found);
        problems = found;
        return found.Count > 0;
    }

    private static void Collect(Exception exception, List<string> found)
    {
        switch (exception)
        {
            case ConfigurationProblemsException c:
                found.AddRange(c.Problems);
                break;
            case OptionsValidationException o:
                found.AddRange(o.Failures);
                break;
            case AggregateException a:
                foreach (var inner in a.InnerExceptions)
                {
                    Collect(inner, found);
                }

                break;
        }
    }
}
