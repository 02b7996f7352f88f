using System.Diagnostics;
using WarmKeeper.LocalRuntime;

namespace WarmKeeper.Testing;

/// <summary>
/// The real Node test functions in tests/functions/node (unmodified <c>exports.handler</c> files) run
/// under the official Runtime Interface Client from npm: finds <c>node</c> on PATH and the folder's
/// installed node_modules (<c>npm ci</c> there, as .ci/run does).
/// </summary>
public static class NodeFunctions
{
    /// <summary>The packages the functions need, as npm installs them.</summary>
    private static readonly string[] RequiredModules =
    [
        Path.Combine("aws-lambda-ric", "index.mjs"),
        Path.Combine("lambda-warmer", "index.js"),
        Path.Combine("@aws-sdk", "client-lambda", "package.json"),
    ];

    private static readonly Lazy<(string? Node, string? Version, string? Folder, string? Missing)> Located = new(Locate);

    /// <summary>The function folder (LAMBDA_TASK_ROOT of the functions).</summary>
    public static string Folder => Located.Value.Folder ?? throw new InvalidOperationException(Located.Value.Missing);

    /// <summary>The Lambda runtime matching the local node, e.g. <c>nodejs20.x</c>.</summary>
    public static string Runtime => "nodejs" + (Located.Value.Version ?? "20").TrimStart('v').Split('.')[0] + ".x";

    /// <summary>Skips (or, under WARMKEEPER_REQUIRE_ALL=1, fails) unless node and the installed packages are there.</summary>
    public static void Require() => RequireAll.SkipUnless(Located.Value.Missing is null, Located.Value.Missing ?? "");

    /// <summary>A process function running <paramref name="handler"/> (e.g. <c>index.handler</c>) under the Node RIC.</summary>
    public static LocalFunctionOptions Options(string handler)
    {
        var (node, _, folder, missing) = Located.Value;
        if (missing is not null)
        {
            throw new InvalidOperationException(missing);
        }

        return new LocalFunctionOptions
        {
            Handler = LocalHandlerKind.Process,
            // As the README of aws-lambda-ric starts it: its entry script, the handler from _HANDLER.
            Command = node,
            Arguments = [Path.Combine(folder!, "node_modules", "aws-lambda-ric", "index.mjs")],
            WorkingDirectory = folder,
            HandlerName = handler,
            Runtime = Runtime,
            MemoryMb = 256,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    private static (string?, string?, string?, string?) Locate()
    {
        var node = LocalTools.FindOnPath("node");
        if (node is null)
        {
            return (null, null, null, "node is not on PATH: the Node RIC tests need Node.js (20 or newer).");
        }

        string? version;
        try
        {
            using var process = Process.Start(new ProcessStartInfo(node, "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
            version = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return (null, null, null, $"node at {node} does not run: {ex.Message}");
        }

        var root = LocalTools.FindRepositoryRoot();
        if (root is null)
        {
            return (node, version, null, $"No WarmKeeper.sln above {AppContext.BaseDirectory}: the Node test functions are not found.");
        }

        var folder = Path.Combine(root, "tests", "functions", "node");
        foreach (var module in RequiredModules)
        {
            if (!File.Exists(Path.Combine(folder, "node_modules", module)))
            {
                return (node, version, folder, $"{Path.Combine(folder, "node_modules", module)} is missing: run `npm ci` in {folder} (as .ci/run does).");
            }
        }

        return (node, version, folder, null);
    }
}
