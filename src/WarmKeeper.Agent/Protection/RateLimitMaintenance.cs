using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using WarmKeeper.Agent.Events;

namespace WarmKeeper.Agent.Protection;

/// <summary>
/// Loads the limits at start, reloads them when another instance changed them, and sums throttles
/// into one event per limit per interval (an event per refused call would flood the log under load).
/// </summary>
internal sealed partial class RateLimitMaintenance(
    RateLimitStore store,
    RateLimitRegistry registry,
    EventLog events,
    IOptions<ProxyOptions> options,
    TimeProvider time,
    ILogger<RateLimitMaintenance> logger) : BackgroundService
{
    private readonly Dictionary<string, long> _rejectedReported = new(StringComparer.Ordinal);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        registry.ApplyAll(await store.ListAsync(cancellationToken));
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var tick = o.ThrottleEventInterval < o.RefreshInterval ? o.ThrottleEventInterval : o.RefreshInterval;
        var sinceRefresh = TimeSpan.Zero;
        using var timer = new PeriodicTimer(tick, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    sinceRefresh += tick;
                    if (sinceRefresh >= o.RefreshInterval)
                    {
                        sinceRefresh = TimeSpan.Zero;
                        await RefreshAsync(stoppingToken);
                    }

                    await ReportThrottlesAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogMaintenanceFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        // Read the registry's version before the store: a change the API applies while we list must
        // win over our (then older) listing.
        var version = registry.Version;
        var stored = await store.ListAsync(cancellationToken);
        var known = registry.Revisions;
        if (stored.Count != known.Count || stored.Any(s => !known.TryGetValue(s.Value.Id, out var r) || r != s.Revision))
        {
            registry.ApplyAll(stored, version);
        }
    }

    internal async Task ReportThrottlesAsync(CancellationToken cancellationToken)
    {
        foreach (var gate in registry.Gates)
        {
            var id = gate.Spec.Id;
            var rejected = gate.Counters.Rejected;
            _rejectedReported.TryGetValue(id, out var reported);
            if (rejected <= reported)
            {
                continue;
            }

            _rejectedReported[id] = rejected;
            var count = rejected - reported;
            var data = new JsonObject
            {
                ["rateLimit"] = id,
                ["rejected"] = count,
                ["rejectedTotal"] = rejected,
                ["admittedTotal"] = gate.Counters.Admitted,
                ["queuedTotal"] = gate.Counters.Queued,
                ["budget"] = gate.BudgetMode,
                ["functions"] = new JsonArray([.. gate.Spec.Functions.Select(f => (JsonNode)f)]),
            };
            await events.AppendAsync(new NewEvent(
                EventKinds.Throttle,
                "proxy",
                string.Create(CultureInfo.InvariantCulture, $"Rate limit {id} refused {count} call{(count == 1 ? "" : "s")}."),
                data,
                gate.Spec.Target,
                gate.Spec.Functions.Count == 1 ? gate.Spec.Functions[0] : null), cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate-limit maintenance failed; retrying at the next tick")]
    private static partial void LogMaintenanceFailed(ILogger logger, Exception exception);
}
