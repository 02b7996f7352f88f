using System.Globalization;

namespace WarmKeeper.LocalRuntime.Functions.Process;

/// <summary>
/// The environment a function process starts with: what Lambda sets, plus what the function's
/// configuration declares, and nothing of the agent's own environment (its secrets, its
/// <c>WarmKeeper__*</c> settings). Lambda's reserved variables win over the function's configuration.
/// </summary>
/// <remarks>
/// Paths Lambda points into its own image (<c>/var/task</c>, <c>/var/runtime</c>, <c>/var/lang</c>) are
/// the local equivalents: the task root (working directory), the runtime's folder and the folder of
/// the runtime's executable, so <c>node</c> is found as it is on Lambda.
/// </remarks>
internal static class LambdaEnvironmentVariables
{
    public const string DefaultRuntime = "provided.al2023";

    /// <summary>Given by Lambda and refused in a function's configuration (AWS's list of reserved keys).</summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(StringComparer.Ordinal)
    {
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ",
    };

    // Credentials for a runtime that verifies no signature: any well-formed key signs requests it accepts.
    private const string OpenAccessKeyId = "ASIAWARMKEEPERLOCAL0";
    private const string OpenSecretAccessKey = "warmkeeper-local-runtime-verifies-no-signature";
    private const string SessionToken = "warmkeeper-local-session";

    /// <summary>The handler string: the configured one, else the command's file name (a custom runtime's <c>bootstrap</c>).</summary>
    public static string HandlerOf(LocalFunctionOptions function) =>
        string.IsNullOrWhiteSpace(function.HandlerName) ? Path.GetFileName(function.Command ?? "bootstrap") : function.HandlerName;

    public static string RuntimeOf(LocalFunctionOptions function) =>
        string.IsNullOrWhiteSpace(function.Runtime) ? DefaultRuntime : function.Runtime;

    /// <summary>Fills <paramref name="environment"/> (cleared first) for one environment's process.</summary>
    /// <param name="runtimeApi">AWS_LAMBDA_RUNTIME_API (host:port of the environment's own listener).</param>
    /// <param name="taskRoot">LAMBDA_TASK_ROOT: where the function's code is (the process's working directory).</param>
    /// <param name="commandPath">The executable as resolved, for the runtime's folders.</param>
    public static void Fill(
        IDictionary<string, string?> environment,
        FunctionEnvironmentSpec spec,
        string region,
        string runtimeApi,
        string taskRoot,
        string commandPath,
        DateTimeOffset now)
    {
        var function = spec.Function;
        var runtime = RuntimeOf(function);
        var isCustomRuntime = runtime.StartsWith("provided", StringComparison.Ordinal);
        var binDirectory = Path.GetDirectoryName(commandPath) ?? "/usr/bin";
        var runtimeDir = RuntimeDirectory(function, binDirectory);

        environment.Clear();

        // Lambda's unreserved variables: a function's configuration may change them.
        environment["LANG"] = "en_US.UTF-8";
        environment["PATH"] = (isCustomRuntime ? "" : binDirectory + ":") + "/usr/local/bin:/usr/bin/:/bin:/opt/bin";
        var languageLib = isCustomRuntime ? "" : Path.Combine(Path.GetDirectoryName(binDirectory) ?? "/usr", "lib") + ":";
        environment["LD_LIBRARY_PATH"] = languageLib + "/lib64:/usr/lib64:" + runtimeDir + ":" + runtimeDir + "/lib:" + taskRoot + ":" + taskRoot + "/lib:/opt/lib";
        if (runtime.StartsWith("nodejs", StringComparison.Ordinal))
        {
            var major = runtime["nodejs".Length..].Split('.')[0];
            environment["NODE_PATH"] = "/opt/nodejs/node" + major + "/node_modules:/opt/nodejs/node_modules:" + runtimeDir + "/node_modules:" + runtimeDir + ":" + taskRoot;
        }

        // What a sandbox gives a function so the AWS SDK reaches the services it runs beside.
        if (spec.ServiceUrl is { } serviceUrl)
        {
            environment["AWS_ENDPOINT_URL_LAMBDA"] = serviceUrl.GetLeftPart(UriPartial.Authority);
        }

        foreach (var (name, value) in function.Environment)
        {
            if (!Reserved.Contains(name))
            {
                environment[name] = value;
            }
        }

        var version = spec.Version;
        environment["_HANDLER"] = HandlerOf(function);
        if (!isCustomRuntime)
        {
            environment["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + runtime;
        }

        environment["AWS_LAMBDA_RUNTIME_API"] = runtimeApi;
        environment["AWS_LAMBDA_FUNCTION_NAME"] = spec.FunctionName;
        environment["AWS_LAMBDA_FUNCTION_VERSION"] = version;
        environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = function.MemoryMb.ToString(CultureInfo.InvariantCulture);
        environment["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/" + spec.FunctionName;
        environment["AWS_LAMBDA_LOG_STREAM_NAME"] = LogStreamName(now, version, spec.EnvironmentId);
        environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = spec.Provisioned ? "provisioned-concurrency" : "on-demand";
        environment["AWS_REGION"] = region;
        environment["AWS_DEFAULT_REGION"] = region;
        var credentials = spec.Credentials;
        environment["AWS_ACCESS_KEY_ID"] = credentials?.AccessKeyId ?? OpenAccessKeyId;
        environment["AWS_SECRET_ACCESS_KEY"] = credentials?.SecretAccessKey ?? OpenSecretAccessKey;
        environment["AWS_SESSION_TOKEN"] = SessionToken;
        environment["TZ"] = ":UTC";
        environment["LAMBDA_TASK_ROOT"] = taskRoot;
        environment["LAMBDA_RUNTIME_DIR"] = runtimeDir;
    }

    /// <summary>Lambda's stream name: <c>yyyy/MM/dd/[version]</c> and the environment's id.</summary>
    public static string LogStreamName(DateTimeOffset now, string version, string environmentId) =>
        now.ToString("yyyy'/'MM'/'dd", CultureInfo.InvariantCulture) + "/[" + version + "]" + environmentId.Replace("-", "", StringComparison.Ordinal);

    /// <summary>
    /// Where the runtime itself lives (Lambda's <c>/var/runtime</c>): the folder of the script the
    /// interpreter runs (<c>node …/aws-lambda-ric/index.mjs</c>), else the executable's folder.
    /// </summary>
    private static string RuntimeDirectory(LocalFunctionOptions function, string binDirectory)
    {
        if (function.Arguments.Count > 0 && Path.IsPathRooted(function.Arguments[0]) && File.Exists(function.Arguments[0]))
        {
            return Path.GetDirectoryName(function.Arguments[0])!;
        }

        return binDirectory;
    }

    /// <summary>The executable as the agent's PATH resolves it (a rooted command is taken as it is).</summary>
    public static string ResolveCommand(string command)
    {
        if (Path.IsPathRooted(command) || command.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return Path.GetFullPath(command);
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, command);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return command;
    }
}
