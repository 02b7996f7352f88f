using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using WarmKeeper.Testing;

namespace WarmKeeper.Benchmarks;

/// <summary>The agent executable (copied beside the benchmarks by the project reference) run as a separate process.</summary>
internal static class AgentProcess
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    /// <summary>From spawning the agent on <paramref name="dataDirectory"/> until <c>/healthz/live</c> answers 200.</summary>
    public static async Task<double> TimeStartAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(Path.Combine(TestFunction.DotnetRoot(), OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = dataDirectory,
        };
        foreach (var argument in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "warmkeeper.dll"),
                     $"--urls=http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                     "--WarmKeeper:LocalRuntime:Url=http://127.0.0.1:0",
                     $"--WarmKeeper:DataDirectory={dataDirectory}",
                     "--Logging:LogLevel:Default=Warning",
                     "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var live = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/healthz/live");
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the agent.");
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (process.HasExited || Stopwatch.GetElapsedTime(started) > StartLimit)
                {
                    throw new InvalidOperationException($"The agent did not answer on {live} (exited: {process.HasExited}).");
                }

                try
                {
                    using var response = await client.GetAsync(live, cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            await Task.WhenAll(output, errors);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
