using System.Diagnostics;
using WarmKeeper.Testing;

namespace WarmKeeper.Lambda.Tests.Infrastructure;

/// <summary>
/// <see cref="AwsCli"/> passes v2-only options (<c>--no-cli-pager</c>), but the first <c>aws</c> on
/// PATH can be a v1 (e.g. a pyenv shim in front of the Debian v2 package). This finds a v2 on PATH
/// and points <c>WARMKEEPER_AWS_CLI</c> at it for this test process, before <see cref="AwsCli.Require"/>.
/// </summary>
internal static class AwsCliVersion2
{
    private static readonly Lazy<string?> Version2Path = new(FindVersion2, LazyThreadSafetyMode.ExecutionAndPublication);

    public static AwsCli Require()
    {
        if (AwsCli.Find() is null)
        {
            return AwsCli.Require();
        }

        var path = Version2Path.Value;
        RequireAll.SkipUnless(path is not null, "Only AWS CLI v1 is on PATH; these tests drive the CLI with v2 options.");
        return AwsCli.Require();
    }

    private static string? FindVersion2()
    {
        var configured = Environment.GetEnvironmentVariable("WARMKEEPER_AWS_CLI");
        if (!string.IsNullOrEmpty(configured) && IsVersion2(configured))
        {
            return configured;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "aws");
            if (File.Exists(candidate) && IsVersion2(candidate))
            {
                // Same value every time, read only by AwsCli.Find in this process.
                Environment.SetEnvironmentVariable("WARMKEEPER_AWS_CLI", candidate);
                return candidate;
            }
        }

        return null;
    }

    private static bool IsVersion2(string executable)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(executable, "--version")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit(30_000);
            return output.StartsWith("aws-cli/2.", StringComparison.Ordinal);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
