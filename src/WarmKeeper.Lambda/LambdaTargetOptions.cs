namespace WarmKeeper.Lambda;

/// <summary>
/// One Lambda target: where to send requests, how to sign them, and how patiently to retry.
/// Credentials: static keys, else a named profile, else the SDK's default chain (environment,
/// profile, container and instance roles, web identity), unless <see cref="Anonymous"/>.
/// </summary>
public sealed class LambdaTargetOptions
{
    /// <summary>The target's name (letters, digits, '-', '_'); also the key of its HttpClient and DI registration.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>AWS region the requests are signed for, e.g. <c>us-east-1</c>.</summary>
    public string Region { get; set; } = string.Empty;

    /// <summary>Endpoint override (the local runtime, the invoke proxy, a VPC endpoint); null uses <c>https://lambda.{Region}.amazonaws.com</c>.</summary>
    public string? ServiceUrl { get; set; }

    public string? AccessKeyId { get; set; }

    public string? SecretAccessKey { get; set; }

    /// <summary>Only with <see cref="AccessKeyId"/> and <see cref="SecretAccessKey"/> (temporary credentials).</summary>
    public string? SessionToken { get; set; }

    /// <summary>A profile from the shared config/credentials files; not combinable with static keys.</summary>
    public string? Profile { get; set; }

    /// <summary>The shared credentials file to read <see cref="Profile"/> from; null uses the SDK's default (<c>~/.aws/credentials</c>, <c>AWS_SHARED_CREDENTIALS_FILE</c>).</summary>
    public string? ProfilesLocation { get; set; }

    /// <summary>Send unsigned requests (a local runtime without credentials); not combinable with keys or a profile.</summary>
    public bool Anonymous { get; set; }

    /// <summary>Per-attempt timeout of control-plane calls.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of one Invoke attempt; above the 15-minute Lambda maximum by default so that the function's own timeout wins.</summary>
    public TimeSpan InvokeTimeout { get; set; } = TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(30);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries of a control-plane call after a throttle, 5xx, timeout or network error.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Retries of an Invoke that provably did not run (throttled or connection refused).</summary>
    public int InvokeMaxRetries { get; set; } = 2;

    /// <summary>First backoff delay; later ones grow exponentially, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Cap of any single retry delay, including one asked for by <c>Retry-After</c>.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Share of failed control-plane calls (5xx, timeouts, network) within the sampling window that opens the circuit.</summary>
    public double CircuitBreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Calls needed in the window before the ratio is judged (at least 2).</summary>
    public int CircuitBreakerMinimumThroughput { get; set; } = 10;

    public TimeSpan CircuitBreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit refuses calls before letting one through.</summary>
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Reading the target's CloudWatch Logs, to count the environments warm-up pings reached (off unless enabled).</summary>
    public CloudWatch.CloudWatchLogsOptions CloudWatchLogs { get; set; } = new();

    /// <summary>The endpoint requests go to.</summary>
    public Uri ResolveServiceUrl() =>
        string.IsNullOrWhiteSpace(ServiceUrl)
            ? new Uri($"https://lambda.{Region}.amazonaws.com/", UriKind.Absolute)
            : new Uri(ServiceUrl, UriKind.Absolute);
}
