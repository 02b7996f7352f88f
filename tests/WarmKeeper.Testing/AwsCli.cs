using System.Diagnostics;
using System.Text;

namespace WarmKeeper.Testing;

/// <summary>What one <c>aws</c> run produced.</summary>
public sealed record AwsCliResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {StandardOutput}\nstderr: {StandardError}";
}

/// <summary>
/// Runs the AWS CLI against a local endpoint with dummy credentials, no pager, no instance metadata
/// lookups and a timeout. <see cref="Find"/> locates <c>aws</c> on PATH (or <c>WARMKEEPER_AWS_CLI</c>).
/// </summary>
public sealed class AwsCli
{
    private readonly string _executable;

    private AwsCli(string executable, bool isVersion2)
    {
        _executable = executable;
        IsVersion2 = isVersion2;
    }

    public string Executable => _executable;

    /// <summary>True for AWS CLI v2 (knows <c>--no-cli-pager</c>).</summary>
    public bool IsVersion2 { get; }

    /// <summary>
    /// The CLI, or null when it is not installed. Prefers version 2 (the documented one) when several
    /// are installed; version 1 works too, without <c>--no-cli-pager</c>, which it does not know.
    /// </summary>
    public static AwsCli? Find()
    {
        var candidates = new List<string>();
        var explicitPath = Environment.GetEnvironmentVariable("WARMKEEPER_AWS_CLI");
        if (!string.IsNullOrEmpty(explicitPath) && File.Exists(explicitPath))
        {
            candidates.Add(explicitPath);
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in OperatingSystem.IsWindows() ? new[] { "aws.exe", "aws.cmd" } : ["aws"])
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate) && !candidates.Contains(candidate))
                {
                    candidates.Add(candidate);
                }
            }
        }

        AwsCli? fallback = null;
        foreach (var candidate in candidates)
        {
            var version = VersionOf(candidate);
            if (version is null)
            {
                continue;
            }

            var cli = new AwsCli(candidate, version.StartsWith("aws-cli/2", StringComparison.Ordinal));
            if (cli.IsVersion2 || candidate == explicitPath)
            {
                return cli;
            }

            fallback ??= cli;
        }

        return fallback;
    }

    private static string? VersionOf(string executable)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(executable, "--version")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            if (!process.WaitForExit(20_000))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            return process.ExitCode == 0 ? output.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>The CLI, or skips the test (fails under WARMKEEPER_REQUIRE_ALL=1) when it is missing.</summary>
    public static AwsCli Require()
    {
        var cli = Find();
        RequireAll.SkipUnless(cli is not null, "The AWS CLI (aws) is not on PATH.");
        return cli!;
    }

    /// <summary>Runs <c>aws --endpoint-url {endpoint} --no-cli-pager {arguments}</c>.</summary>
    /// <param name="environment">Extra environment variables (e.g. AWS_MAX_ATTEMPTS=1).</param>
    public async Task<AwsCliResult> RunAsync(
        Uri endpoint,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add("--endpoint-url");
        start.ArgumentList.Add(endpoint.ToString().TrimEnd('/'));
        if (IsVersion2)
        {
            start.ArgumentList.Add("--no-cli-pager");
        }

        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = "AKIAIOSFODNN7EXAMPLE";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_REGION"] = "us-east-1";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_PAGER"] = string.Empty;
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment.Remove("AWS_PROFILE");
        start.Environment.Remove("AWS_SESSION_TOKEN");
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                start.Environment[k] = v;
            }
        }

        using var process = new Process { StartInfo = start };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"aws {string.Join(' ', start.ArgumentList)} did not finish in time.\nstdout: {stdout}\nstderr: {stderr}");
        }

        process.WaitForExit();
        lock (stdout)
        {
            lock (stderr)
            {
                return new AwsCliResult(process.ExitCode, stdout.ToString(), stderr.ToString());
            }
        }
    }
}
