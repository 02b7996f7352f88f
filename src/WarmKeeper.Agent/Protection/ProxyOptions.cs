using Microsoft.Extensions.Options;
using WarmKeeper.Agent.Security;
using WarmKeeper.Core.Targets;

namespace WarmKeeper.Agent.Protection;

/// <summary>What an instance does with the shared budget while Redis cannot be reached.</summary>
public enum RedisUnavailableMode
{
    /// <summary>Each instance enforces its share of the limit (limit ÷ <see cref="ProxyRedisOptions.Instances"/>): the default.</summary>
    LocalShare,

    /// <summary>Each instance enforces the whole limit on its own (the total may reach limit × instances).</summary>
    LocalFull,

    /// <summary>Refuse every limited call until Redis answers again (fail closed).</summary>
    RejectAll,
}

/// <summary>The invoke proxy (section <c>WarmKeeper:Proxy</c>).</summary>
public sealed class ProxyOptions
{
    public const string SectionName = "WarmKeeper:Proxy";

    public bool Enabled { get; set; } = true;

    /// <summary>Listener of the Lambda Invoke API; port 0 picks a free port.</summary>
    public string Url { get; set; } = "http://127.0.0.1:9002";

    /// <summary>Where invocations are forwarded: <c>local</c> or a configured target name.</summary>
    public string Target { get; set; } = TargetNames.Local;

    /// <summary>
    /// When the target is the built-in runtime of this same process, call its engine directly instead of
    /// over loopback HTTP: the same answers and limits, without a second HTTP hop on the same CPUs.
    /// </summary>
    public bool InProcessLocalTarget { get; set; } = true;

    /// <summary>Region callers sign for (with <see cref="Credentials"/>).</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>When set, callers must sign with these (SigV4) and unsigned or wrongly signed calls are refused.</summary>
    public ProxyCredentials? Credentials { get; set; }

    /// <summary>The unreserved pool's floor when deriving reserved concurrency for a cloud target (100 on AWS).</summary>
    public int UnreservedConcurrencyFloor { get; set; } = 100;

    /// <summary>How often limits are reloaded from the database (changes made through another instance).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Throttles are summed into one event per limit at most this often.</summary>
    public TimeSpan ThrottleEventInterval { get; set; } = TimeSpan.FromSeconds(10);

    public ProxyRedisOptions Redis { get; set; } = new();

    public ProxyResilienceOptions Resilience { get; set; } = new();
}

public sealed class ProxyCredentials
{
    public string? AccessKeyId { get; set; }
    public string? SecretAccessKey { get; set; }
}

/// <summary>One budget for every proxy instance: a token bucket in Redis, timed by Redis's own clock.</summary>
public sealed class ProxyRedisOptions
{
    /// <summary>A StackExchange.Redis configuration string (e.g. <c>redis:6379</c>); empty keeps budgets per instance.</summary>
    public string? Configuration { get; set; }

    public string KeyPrefix { get; set; } = "warmkeeper";

    /// <summary>How many proxy instances share the budget; sets each one's share when Redis is unreachable.</summary>
    public int Instances { get; set; } = 1;

    public RedisUnavailableMode WhenUnavailable { get; set; } = RedisUnavailableMode.LocalShare;

    /// <summary>After a failure, how long an instance stays on its fallback before trying Redis again.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A Redis call slower than this counts as a failure (the call is decided by the fallback).</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>The proxy's Polly pipeline per target, around the target's own (timeouts, retry only if not run).</summary>
public sealed class ProxyResilienceOptions
{
    public double FailureRatio { get; set; } = 0.5;
    public int MinimumThroughput { get; set; } = 10;
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}

internal sealed class ProxyOptionsValidator : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        const string p = ProxyOptions.SectionName;
        var errors = new List<string>();
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp)
        {
            errors.Add($"{p}:Url must be an absolute http:// URL such as http://127.0.0.1:9002, not '{options.Url}'.");
        }
        else if (options.Enabled && !SecurityServiceCollectionExtensions.IsLoopback(options.Url)
                 && string.IsNullOrEmpty(options.Credentials?.SecretAccessKey))
        {
            errors.Add($"{p}:Url: the proxy would listen on {options.Url} without credentials. Set {p}:Credentials:AccessKeyId and " +
                       ":SecretAccessKey (callers must then sign with them), or bind to 127.0.0.1.");
        }

        if (string.IsNullOrWhiteSpace(options.Target))
        {
            errors.Add($"{p}:Target must name a target (\"local\" for the built-in runtime).");
        }

        if (options.Credentials is { } c && (string.IsNullOrEmpty(c.AccessKeyId) != string.IsNullOrEmpty(c.SecretAccessKey)))
        {
            errors.Add($"{p}:Credentials needs both AccessKeyId and SecretAccessKey.");
        }

        if (options.Redis.Instances < 1)
        {
            errors.Add($"{p}:Redis:Instances must be at least 1, not {options.Redis.Instances}.");
        }

        if (options.Redis.RetryInterval <= TimeSpan.Zero || options.Redis.OperationTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{p}:Redis:RetryInterval and :OperationTimeout must be above zero.");
        }

        if (options.Resilience.FailureRatio is <= 0 or > 1)
        {
            errors.Add($"{p}:Resilience:FailureRatio must be above 0 and at most 1.");
        }

        if (options.Resilience.MinimumThroughput < 2)
        {
            errors.Add($"{p}:Resilience:MinimumThroughput must be at least 2.");
        }

        if (options.Resilience.SamplingDuration < TimeSpan.FromMilliseconds(500) || options.Resilience.BreakDuration < TimeSpan.FromMilliseconds(500))
        {
            errors.Add($"{p}:Resilience:SamplingDuration and :BreakDuration must be at least 00:00:00.5 (Polly's minimum).");
        }

        if (options.UnreservedConcurrencyFloor < 0)
        {
            errors.Add($"{p}:UnreservedConcurrencyFloor must not be negative.");
        }

        if (options.RefreshInterval <= TimeSpan.Zero || options.ThrottleEventInterval <= TimeSpan.Zero)
        {
            errors.Add($"{p}:RefreshInterval and :ThrottleEventInterval must be above zero.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
