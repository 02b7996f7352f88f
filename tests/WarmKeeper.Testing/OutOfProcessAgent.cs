using System.Diagnostics;
using System.Text.RegularExpressions;

namespace WarmKeeper.Testing;

/// <summary>
/// The built agent (<c>dotnet warmkeeper.dll</c>, copied beside any project that references it) as a separate OS
/// process on port 0, so it can be killed with SIGKILL. Its address is read from the line the host prints when it
/// listens, so no port is guessed and none can be taken by a neighbour in between.
/// </summary>
public sealed partial class OutOfProcessAgent : IAsyncDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly Task _drain;
    private readonly List<string> _output;

    private OutOfProcessAgent(Process process, Uri baseAddress, Task drain, List<string> output)
    {
        _process = process;
        _drain = drain;
        _output = output;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    /// <summary>What the agent printed so far (warnings and errors, and the host's start-up lines).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>Starts the agent on <paramref name="dataDirectory"/> and waits until it listens.</summary>
    /// <param name="args">More configuration (<c>--Key=Value</c>), after the defaults.</param>
    public static async Task<OutOfProcessAgent> StartAsync(string dataDirectory, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Path.Combine(TestFunction.DotnetRoot(), OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDirectory,
        };
        string[] defaults =
        [
            Path.Combine(AppContext.BaseDirectory, "warmkeeper.dll"),
            "--urls=http://127.0.0.1:0",
            "--WarmKeeper:LocalRuntime:Url=http://127.0.0.1:0",
            "--WarmKeeper:Proxy:Url=http://127.0.0.1:0",
            $"--WarmKeeper:DataDirectory={dataDirectory}",
            "--WarmKeeper:Demo:Enabled=false",
            "--Logging:LogLevel:Default=Warning",
            // The line that says where it listens.
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
        ];
        foreach (var argument in defaults.Concat(args))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the agent.");
        var output = new List<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task DrainAsync(StreamReader reader)
        {
            while (await reader.ReadLineAsync(CancellationToken.None) is { } line)
            {
                lock (output)
                {
                    output.Add(line);
                }

                if (ListeningLine().Match(line) is { Success: true } match)
                {
                    listening.TrySetResult(new Uri(match.Groups["url"].Value));
                }
            }
        }

        var drain = Task.WhenAll(DrainAsync(process.StandardOutput), DrainAsync(process.StandardError));
        _ = drain.ContinueWith(_ => listening.TrySetException(new InvalidOperationException("The agent exited before it listened.")), TaskScheduler.Default);
        try
        {
            var address = await listening.Task.WaitAsync(StartLimit, cancellationToken);
            return new OutOfProcessAgent(process, address, drain, output);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            await drain;
            throw new InvalidOperationException($"The agent did not start ({e.Message}); it printed:\n{string.Join('\n', output)}", e);
        }
    }

    /// <summary>SIGKILL (what <c>kill -9</c> sends): no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync(CancellationToken.None);
        await _drain;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await KillAsync();
        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (?<url>http://\S+)\z")]
    private static partial Regex ListeningLine();
}
