using System.Reflection;
using System.Runtime.InteropServices;

namespace WarmKeeper.Testing;

/// <summary>
/// Finds tests/WarmKeeper.TestFunction's build output: a test project that references it with
/// ReferenceOutputAssembly="false" gets it built by a plain <c>dotnet test</c>; this walks up to the
/// folder holding WarmKeeper.sln and looks in its bin folder for the running configuration.
/// WARMKEEPER_TEST_FUNCTION (the apphost or the .dll) overrides the search.
/// </summary>
public static class TestFunction
{
    public const string AssemblyName = "warmkeeper-test-function";

    private static readonly Lazy<(string Command, string[] Arguments)> Located = new(Locate);

    /// <summary>The executable to run and its arguments (the .dll when there is no apphost).</summary>
    public static (string Command, string[] Arguments) Command => Located.Value;

    /// <summary>Where the running .NET lives, for DOTNET_ROOT of an apphost.</summary>
    public static string DotnetRoot() =>
        // …/dotnet/shared/Microsoft.NETCore.App/<version>/ → …/dotnet
        Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));

    /// <summary>
    /// Configuration arguments (<c>--Key=Value</c>) declaring a local process function of that name
    /// running the test function, for the agent's command line.
    /// </summary>
    public static string[] AgentArguments(string functionName, params (string Name, string Value)[] environment)
    {
        var (command, arguments) = Command;
        var prefix = $"--WarmKeeper:LocalRuntime:Functions:{functionName}";
        var args = new List<string>
        {
            $"{prefix}:Handler=Process",
            $"{prefix}:Command={command}",
            $"{prefix}:MemoryMb=256",
            $"{prefix}:Environment:DOTNET_ROOT={DotnetRoot()}",
        };
        for (var i = 0; i < arguments.Length; i++)
        {
            args.Add($"{prefix}:Arguments:{i}={arguments[i]}");
        }

        args.AddRange(environment.Select(e => $"{prefix}:Environment:{e.Name}={e.Value}"));
        return [.. args];
    }

    private static (string, string[]) Locate()
    {
        if (Environment.GetEnvironmentVariable("WARMKEEPER_TEST_FUNCTION") is { Length: > 0 } given)
        {
            return CommandFor(Path.GetFullPath(given));
        }

        // This assembly is built in the same configuration as the tests that use it.
        var configuration = typeof(TestFunction).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var targetFramework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (!File.Exists(Path.Combine(directory.FullName, "WarmKeeper.sln")))
            {
                continue;
            }

            var output = Path.Combine(directory.FullName, "tests", "WarmKeeper.TestFunction", "bin", configuration, targetFramework);
            var dll = Path.Combine(output, AssemblyName + ".dll");
            if (!File.Exists(dll))
            {
                throw new FileNotFoundException(
                    $"The test function is not built at {dll}. Reference tests/WarmKeeper.TestFunction from the test project (ReferenceOutputAssembly=\"false\") or set WARMKEEPER_TEST_FUNCTION.", dll);
            }

            var appHost = Path.Combine(output, OperatingSystem.IsWindows() ? AssemblyName + ".exe" : AssemblyName);
            return CommandFor(File.Exists(appHost) ? appHost : dll);
        }

        throw new DirectoryNotFoundException($"No WarmKeeper.sln above {AppContext.BaseDirectory}: set WARMKEEPER_TEST_FUNCTION to the test function.");
    }

    private static (string, string[]) CommandFor(string path) =>
        path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            ? (Path.Combine(DotnetRoot(), OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet"), [path])
            : (path, []);
}
