using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using WarmKeeper.LocalRuntime.Functions;
using WarmKeeper.LocalRuntime.Functions.Process;
using WarmKeeper.Testing;

namespace WarmKeeper.LocalRuntime.Tests;

/// <summary>The process test function (located by <see cref="TestFunction"/>) as a local function, and helpers to watch its processes.</summary>
internal static class ProcessTestFunction
{
    /// <summary>Options for a Process function running the test function, with optional extra environment.</summary>
    public static LocalFunctionOptions Options(params (string Name, string Value)[] environment)
    {
        var (command, arguments) = TestFunction.Command;
        var options = new LocalFunctionOptions
        {
            Handler = LocalHandlerKind.Process,
            Command = command,
            Arguments = [.. arguments],
            MemoryMb = 256,
        };
        // The apphost finds the runtime through DOTNET_ROOT; point it at the runtime running the tests.
        options.Environment["DOTNET_ROOT"] = TestFunction.DotnetRoot();
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

    public static bool IsRunning(int processId) => ProcessLiveness.IsRunning(processId);

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
}
