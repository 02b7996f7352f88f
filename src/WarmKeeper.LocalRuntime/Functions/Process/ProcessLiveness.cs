using System.Globalization;

namespace WarmKeeper.LocalRuntime.Functions.Process;

/// <summary>Whether an OS process still runs, as the OS sees it now.</summary>
internal static class ProcessLiveness
{
    /// <summary>
    /// False once the process has ended, including while it is a zombie that .NET has not reaped yet:
    /// <see cref="System.Diagnostics.Process.HasExited"/> learns of a child's end only when .NET's
    /// SIGCHLD handling gets to it, and in that moment an idle environment would be handed an
    /// invocation that its dead runtime can only fail.
    /// </summary>
    public static bool IsRunning(int processId)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                // "pid (comm) S …": the state letter follows the last ')' (comm may hold spaces and parentheses).
                var stat = File.ReadAllText("/proc/" + processId.ToString(CultureInfo.InvariantCulture) + "/stat");
                var close = stat.LastIndexOf(')');
                return close >= 0 && close + 2 < stat.Length && stat[close + 2] is not ('Z' or 'X');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
