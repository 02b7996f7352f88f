using System.Text;
using System.Text.RegularExpressions;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Lambda.CloudWatch;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Agent.Warmup;

/// <summary>
/// Places pings in environments by their log streams: Lambda gives every execution environment its
/// own stream, and the runtime writes <c>START RequestId: …</c> / <c>REPORT RequestId: …</c> lines to
/// it. Log lines arrive in CloudWatch seconds after the call, so it polls, within the run's budget of
/// calls (one instance per run); what it could not find is said, never guessed.
/// </summary>
internal sealed partial class CloudWatchLogsEnvironmentLocator(
    CloudWatchLogsClient client, CloudWatchLogsOptions options, TimeProvider timeProvider) : IWarmupEnvironmentLocator
{
    /// <summary>Log lines are stamped by the function's host, whose clock may differ from ours a little.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    private int _callsLeft = options.MaxCallsPerRun;

    public string Method => EnvironmentCountMethods.CloudWatchLogs;

    public async Task<LocatedEnvironments> LocateAsync(
        WarmupPolicy policy, IReadOnlyList<string> requestIds, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var logGroup = options.LogGroupPrefix + FunctionReference.Parse(policy.Function).Name;
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        var first = true;
        while (found.Count < requestIds.Count && _callsLeft > 0)
        {
            if (!first)
            {
                await Task.Delay(options.PollInterval, timeProvider, cancellationToken);
            }

            first = false;
            foreach (var pattern in FilterPatterns(requestIds.Where(id => !found.ContainsKey(id))))
            {
                if (_callsLeft <= 0)
                {
                    break;
                }

                var read = await client.FilterLogEventsAsync(
                    new LogEventsQuery(logGroup, since - ClockSkew, FilterPattern: pattern), _callsLeft, null, cancellationToken);
                _callsLeft -= read.Calls;
                foreach (var logEvent in read.Events)
                {
                    if (RequestIdPattern().Match(logEvent.Message) is { Success: true } match && requestIds.Contains(match.Groups[1].Value))
                    {
                        found.TryAdd(match.Groups[1].Value, logEvent.LogStreamName);
                    }
                }
            }
        }

        var missing = requestIds.Count - found.Count;
        return new LocatedEnvironments(
            found,
            missing == 0 ? null : $"{missing} of {requestIds.Count} ping(s) not found in {logGroup} within {options.MaxCallsPerRun} FilterLogEvents call(s) per run");
    }

    /// <summary>
    /// Each pattern matches the runtime's lines of any of a batch of request ids (<c>?"RequestId: a" ?"RequestId: b"</c>),
    /// as many per batch as the service's 1024-character limit allows.
    /// </summary>
    internal static IEnumerable<string> FilterPatterns(IEnumerable<string> requestIds)
    {
        var pattern = new StringBuilder();
        foreach (var id in requestIds)
        {
            var term = $"?\"RequestId: {id.Replace("\"", "", StringComparison.Ordinal)}\"";
            if (pattern.Length > 0 && pattern.Length + 1 + term.Length > CloudWatchLogsClient.MaxFilterPatternLength)
            {
                yield return pattern.ToString();
                pattern.Clear();
            }

            pattern.Append(pattern.Length == 0 ? "" : " ").Append(term);
        }

        if (pattern.Length > 0)
        {
            yield return pattern.ToString();
        }
    }

    [GeneratedRegex(@"RequestId: ([^\s]+)")]
    private static partial Regex RequestIdPattern();
}
