namespace WarmKeeper.Lambda.CloudWatch;

/// <summary>
/// Reading a target's CloudWatch Logs (section <c>CloudWatchLogs</c> of a Lambda target): where, and
/// how much a warm-up run may spend finding which environment served its pings. Off by default: it
/// needs <c>logs:FilterLogEvents</c> and costs API calls.
/// </summary>
public sealed class CloudWatchLogsOptions
{
    public const int MaxCallsLimit = 100;

    public bool Enabled { get; set; }

    /// <summary>Endpoint override (a VPC endpoint, a test); null uses <c>https://logs.{Region}.amazonaws.com/</c>.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Log group of a function is this prefix and the function's name, as Lambda names it.</summary>
    public string LogGroupPrefix { get; set; } = "/aws/lambda/";

    /// <summary>FilterLogEvents calls (pages and polls, retries not counted) one warm-up run may make.</summary>
    public int MaxCallsPerRun { get; set; } = 10;

    /// <summary>Wait between polls while pings' log lines have not arrived yet (Logs ingests within seconds).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The endpoint requests go to.</summary>
    public Uri ResolveServiceUrl(string region) =>
        string.IsNullOrWhiteSpace(ServiceUrl)
            ? new Uri($"https://logs.{region}.amazonaws.com/", UriKind.Absolute)
            : new Uri(ServiceUrl, UriKind.Absolute);

    /// <summary>Every problem, each naming its field under <c>CloudWatchLogs</c>.</summary>
    public IEnumerable<(string Field, string Problem)> Validate()
    {
        if (!string.IsNullOrWhiteSpace(ServiceUrl)
            && (!Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            yield return ("CloudWatchLogs:ServiceUrl", $"'{ServiceUrl}' must be an absolute http or https URL.");
        }

        if (string.IsNullOrWhiteSpace(LogGroupPrefix) || !LogGroupPrefix.StartsWith('/'))
        {
            yield return ("CloudWatchLogs:LogGroupPrefix", $"'{LogGroupPrefix}' must start with '/' (Lambda's is /aws/lambda/).");
        }

        if (MaxCallsPerRun is < 1 or > MaxCallsLimit)
        {
            yield return ("CloudWatchLogs:MaxCallsPerRun", $"must be between 1 and {MaxCallsLimit}, not {MaxCallsPerRun}.");
        }

        if (PollInterval < TimeSpan.Zero || PollInterval > TimeSpan.FromMinutes(1))
        {
            yield return ("CloudWatchLogs:PollInterval", $"must be between 0 and 1 minute, not {PollInterval}.");
        }
    }
}
