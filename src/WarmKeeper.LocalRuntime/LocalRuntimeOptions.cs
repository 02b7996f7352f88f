namespace WarmKeeper.LocalRuntime;

/// <summary>
/// Configuration of the built-in Lambda-compatible runtime (section <c>WarmKeeper:LocalRuntime</c>).
/// </summary>
public sealed class LocalRuntimeOptions
{
    public const string SectionName = "WarmKeeper:LocalRuntime";

    /// <summary>Serve the runtime from this process (the embedded default).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Listener of the Lambda REST API; port 0 picks a free port.</summary>
    public string Url { get; set; } = "http://127.0.0.1:9001";

    public string Region { get; set; } = "us-east-1";

    /// <summary>Twelve digits, used in ARNs.</summary>
    public string AccountId { get; set; } = "000000000000";

    /// <summary>The account's concurrent-executions limit.</summary>
    public int AccountConcurrency { get; set; } = 1000;

    /// <summary>Reserved concurrency may never push the unreserved pool below this.</summary>
    public int UnreservedConcurrencyFloor { get; set; } = 100;

    /// <summary>An idle on-demand environment is reaped after this long.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Any environment is retired (when idle) after this long.</summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How long provisioned environments take to be allocated after a Put.</summary>
    public TimeSpan ProvisioningDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A cold start (or a provisioned environment's init) that takes longer fails, as Lambda's 10-second init limit.</summary>
    public TimeSpan InitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Asynchronous (Event) invocations waiting to run; a full queue answers 429.</summary>
    public int AsyncQueueCapacity { get; set; } = 10_000;

    /// <summary>How many queued Event invocations run at once (each still needs concurrency to run).</summary>
    public int AsyncConcurrency { get; set; } = 16;

    /// <summary>When set, every request must carry a valid SigV4 signature made with these.</summary>
    public LocalRuntimeCredentials? Credentials { get; set; }

    /// <summary>Functions by name.</summary>
    public Dictionary<string, LocalFunctionOptions> Functions { get; set; } = new(StringComparer.Ordinal);
}

public sealed class LocalRuntimeCredentials
{
    public string? AccessKeyId { get; set; }
    public string? SecretAccessKey { get; set; }
}

/// <summary>The built-in handler kinds, and <see cref="Process"/> for an executable speaking the Runtime API.</summary>
public enum LocalHandlerKind
{
    /// <summary>Returns its event.</summary>
    Echo,
    /// <summary>Waits <see cref="LocalFunctionOptions.WorkDuration"/> (or the event's <c>workMs</c>), then returns a small JSON.</summary>
    Work,
    /// <summary>Burns CPU for <see cref="LocalFunctionOptions.WorkDuration"/> (or the event's <c>workMs</c>).</summary>
    Burn,
    /// <summary>Always fails with an unhandled error.</summary>
    Fail,
    /// <summary>Never answers; the invocation times out.</summary>
    Timeout,
    /// <summary>An executable speaking the Lambda Runtime API.</summary>
    Process,
}

public sealed class LocalFunctionOptions
{
    public LocalHandlerKind Handler { get; set; } = LocalHandlerKind.Echo;
    public string? Description { get; set; }
    public int MemoryMb { get; set; } = 128;
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Built-in handlers: simulated init work done by each cold start.</summary>
    public TimeSpan InitDuration { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Work and Burn handlers: time spent per call.</summary>
    public TimeSpan WorkDuration { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Process functions: Lambda's handler setting (e.g. <c>index.handler</c>), given to the process as
    /// <c>_HANDLER</c> and reported in GetFunction. The key is not <c>Handler</c>, which names the kind.
    /// When unset, the command's file name (as a custom runtime's <c>bootstrap</c>).
    /// </summary>
    public string? HandlerName { get; set; }

    /// <summary>
    /// Process functions: Lambda's runtime identifier (e.g. <c>nodejs20.x</c>), reported as
    /// FunctionConfiguration.Runtime and given as AWS_EXECUTION_ENV; <c>provided.al2023</c> when unset.
    /// </summary>
    public string? Runtime { get; set; }

    /// <summary>
    /// Process handler: the executable, its arguments and the function's own environment variables
    /// (the process gets these and Lambda's variables, nothing from the agent's environment).
    /// </summary>
    public string? Command { get; set; }
    public List<string> Arguments { get; set; } = [];
    public Dictionary<string, string> Environment { get; set; } = new(StringComparer.Ordinal);
    public string? WorkingDirectory { get; set; }

    /// <summary>Published versions ("1", "2", …); each runs the same code as $LATEST.</summary>
    public List<string> Versions { get; set; } = [];

    /// <summary>Aliases by name, each pointing to a published version.</summary>
    public Dictionary<string, string> Aliases { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The function's tags (at most 50), as ListTags and GetFunction report them; TagResource changes them at run time.</summary>
    public Dictionary<string, string> Tags { get; set; } = new(StringComparer.Ordinal);
}
