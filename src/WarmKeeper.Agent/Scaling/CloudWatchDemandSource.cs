using Microsoft.Extensions.Options;
using WarmKeeper.Agent.Hosting;
using WarmKeeper.Core.Demand;
using WarmKeeper.Lambda;
using WarmKeeper.Lambda.CloudWatch;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Agent.Scaling;

/// <summary>Section <c>WarmKeeper:CloudWatch</c>.</summary>
public sealed class CloudWatchOptions
{
    public const string SectionName = "WarmKeeper:CloudWatch";

    /// <summary>Read demand of configured (cloud) targets' policy functions from CloudWatch.</summary>
    public bool Enabled { get; set; } = true;

    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Endpoint overrides by target name (tests, VPC endpoints).</summary>
    public Dictionary<string, string> Endpoints { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Demand of functions the agent does not see invoked (not fronted by its proxy, not local): every
/// interval, the last minutes of <c>ConcurrentExecutions</c> (maximum), <c>Invocations</c> and
/// <c>Throttles</c> per policy's function and qualifier, fed to the demand recorder once per minute,
/// less the agent's own warm-up pings of that minute (<see cref="SentPings"/>).
/// </summary>
public sealed partial class CloudWatchDemandSource(
    ConcurrencyPolicyStore policies,
    DemandRecorder recorder,
    IOptions<AgentOptions> agentOptions,
    IOptions<CloudWatchOptions> options,
    SentPings sentPings,
    TimeProvider timeProvider,
    ILogger<CloudWatchDemandSource> logger) : BackgroundService
{
    private readonly Dictionary<DemandKey, long> _fedUntil = [];
    private readonly Dictionary<string, CloudWatchMetricsClient> _clients = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled || agentOptions.Value.Targets.Count == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.Interval, timeProvider);
        do
        {
            try
            {
                await PollAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        base.Dispose();
    }

    /// <summary>Fetches and feeds every complete minute not fed yet; returns how many minutes were fed.</summary>
    public async Task<int> PollAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var end = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds() / 60 * 60);
        var start = end - TimeSpan.FromMinutes(5);
        var fed = 0;
        var all = await policies.ListAsync(cancellationToken);
        foreach (var group in all.Select(p => p.Value).Where(p => p.Enabled && agentOptions.Value.Targets.ContainsKey(p.Target)).GroupBy(p => p.Target))
        {
            var client = Client(group.Key);
            var targets = group.ToList();
            var queries = new List<MetricQuery>();
            for (var i = 0; i < targets.Count; i++)
            {
                queries.Add(new MetricQuery($"c{i}", targets[i].Function, targets[i].Qualifier, "ConcurrentExecutions", "Maximum"));
                queries.Add(new MetricQuery($"i{i}", targets[i].Function, targets[i].Qualifier, "Invocations", "Sum"));
                queries.Add(new MetricQuery($"t{i}", targets[i].Function, targets[i].Qualifier, "Throttles", "Sum"));
            }

            var series = (await client.GetMetricDataAsync(queries, start, end, cancellationToken)).ToDictionary(s => s.Id);
            for (var i = 0; i < targets.Count; i++)
            {
                var key = new DemandKey(group.Key, targets[i].Function, targets[i].Qualifier);
                var from = _fedUntil.GetValueOrDefault(key, long.MinValue);
                var invocations = series[$"i{i}"].Points.ToDictionary(p => p.Time.ToUnixTimeSeconds(), p => p.Value);
                var throttles = series[$"t{i}"].Points.ToDictionary(p => p.Time.ToUnixTimeSeconds(), p => p.Value);
                foreach (var (time, max) in series[$"c{i}"].Points)
                {
                    var minute = time.ToUnixTimeSeconds();
                    if (minute <= from)
                    {
                        continue;
                    }

                    var (users, peak) = WithoutOwnPings(
                        sentPings.In(group.Key, FunctionReference.Parse(targets[i].Function).Name, targets[i].Qualifier, time),
                        (int)invocations.GetValueOrDefault(minute), (int)Math.Ceiling(max));
                    recorder.RecordAggregate(key, time, TimeSpan.FromMinutes(1), peak, users, (int)throttles.GetValueOrDefault(minute));
                    _fedUntil[key] = Math.Max(_fedUntil.GetValueOrDefault(key, long.MinValue), minute);
                    fed++;
                }
            }
        }

        return fed;
    }

    /// <summary>
    /// A minute of CloudWatch demand without the agent's own pings, which CloudWatch counts as invocations
    /// like any other. Invocations: those sent subtracted exactly. The peak cannot be split (CloudWatch
    /// gives one maximum a minute, not when it happened): what is certainly the callers' is the peak less
    /// the most pings that ran at once, at least 1 while any caller's invocation is left, and 0 with none
    /// (a minute of pings only is no demand at all).
    /// </summary>
    internal static (int Invocations, int PeakConcurrency) WithoutOwnPings(SentPingMinute pings, int invocations, int peakConcurrency)
    {
        var users = Math.Max(0, invocations - pings.Count);
        return users == 0 ? (0, 0) : (users, Math.Max(1, peakConcurrency - pings.PeakInFlight));
    }

    private CloudWatchMetricsClient Client(string target)
    {
        if (!_clients.TryGetValue(target, out var client))
        {
            var targetOptions = agentOptions.Value.Targets[target];
            var endpoint = options.Value.Endpoints.TryGetValue(target, out var url) ? new Uri(url, UriKind.Absolute) : null;
            _clients[target] = client = new CloudWatchMetricsClient(targetOptions, endpoint, timeProvider: timeProvider);
        }

        return client;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading demand from CloudWatch failed")]
    private partial void LogFailed(Exception exception);
}
