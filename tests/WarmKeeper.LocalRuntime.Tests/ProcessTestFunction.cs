using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using WarmKeeper.LocalRuntime.Functions;
using WarmKeeper.LocalRuntime.Functions.Process;

namespace WarmKeeper.LocalRuntime.Tests;

/// <summary>
/// Finds tests/WarmKeeper.TestFunction's build output. The test project has a ProjectReference to it
/// with ReferenceOutputAssembly="false", so a plain `dotnet build`/`dotnet test` builds it first, into
/// its own bin/&lt;Configuration&gt;/&lt;TargetFramework&gt;/ folder; this class walks up from the test
/// assembly to the folder holding WarmKeeper.sln and looks there, using the test assembly's own
/// configuration. WARMKEEPER_TEST_FUNCTION (the apphost or the .dll) overrides the search.
/// </summary>
internal static class ProcessTestFunction
{
    private const string AssemblyName = "warmkeeper-test-function";

    private static readonly Lazy<(string Command, string[] Arguments)> Located = new(Locate);

    /// <summary>Options for a Process function running the test function, with optional extra environment.</summary>
    public static LocalFunctionOptions Options(params (string Name, string Value)[] environment)
    {
        var (command, arguments) = Located.Value;
        var options = new LocalFunctionOptions
        {
            Handler = LocalHandlerKind.Process,
            Command = command,
            Arguments = [.. arguments],
            MemoryMb = 256,
        };
        // The apphost finds the runtime through DOTNET_ROOT; point it at the runtime running the tests.
        options.Environment["DOTNET_ROOT"] = DotnetRoot();
        foreach (var (name, value) in environment)
        {
            options.Environment[name] = value;
        }
        return options;
    }

    public static ProcessFunctionHandlerFactory Factory() => new(NullLoggerFactory.Instance, TimeProvider.System);

    public static HandlerInvocation Invocation(string json, string? requestId = null) => new(
        requestId ?? Guid.NewGuid().ToString(),
        Encoding.UTF8.GetBytes(json),
        "arn:aws:lambda:us-east-1:000000000000:function:test-function",
        DateTimeOffset.UtcNow.AddSeconds(30),
        null);

    public static JsonElement Json(HandlerResult result) => JsonDocument.Parse(result.Payload).RootElement.Clone();

    public static bool IsRunning(int processId)
    {
        if (OperatingSystem.IsLinux())
        {
            // A zombie still has a /proc entry; its state letter is Z.
            var stat = $"/proc/{processId}/stat";
            if (!File.Exists(stat))
            {
                return false;
            }
            try
            {
                var text = File.ReadAllText(stat);
                var state = text[(text.LastIndexOf(')') + 2)..][0];
                return state != 'Z' && state != 'X';
            }
            catch (IOException)
            {
                return false;
            }
        }
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Waits a little for an exit the OS reports asynchronously.</summary>
    public static async Task<bool> ExitsWithinAsync(int processId, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (IsRunning(processId))
        {
            if (DateTime.UtcNow > until)
            {
                return false;
            }
            await Task.Delay(20);
        }
        return true;
    }

    private static (string, string[]) Locate()
    {
        if (Environment.GetEnvironmentVariable("WARMKEEPER_TEST_FUNCTION") is { Length: > 0 } given)
        {
            return CommandFor(Path.GetFullPath(given));
        }

        var configuration = typeof(ProcessTestFunction).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
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
                    $"The test function is not built at {dll}. Build tests/WarmKeeper.LocalRuntime.Tests (it references WarmKeeper.TestFunction) or set WARMKEEPER_TEST_FUNCTION.", dll);
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

    private static string DotnetRoot() =>
        // …/dotnet/shared/Microsoft.NETCore.App/<version>/ → …/dotnet
        Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
}
