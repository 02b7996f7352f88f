using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Core.Demand;

namespace WarmKeeper.Agent.Scaling;

/// <summary>
/// Rolls the in-memory per-second demand up to one row a minute in the store, kept for two weeks:
/// the history predictive scaling reads (same time yesterday and last week) and that survives restarts.
/// </summary>
public sealed partial class DemandRollup(
    DemandRecorder recorder,
    IDbContextFactory<WarmKeeperDbContext> contexts,
    TimeProvider timeProvider,
    IOptions<ScalingOptions> options,
    ILogger<DemandRollup> logger) : BackgroundService
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(14);

    private readonly Dictionary<DemandKey, long> _written = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RollupInterval, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RollUpAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(e);
            }
        }
    }

    /// <summary>Writes every complete minute not written yet, and forgets what is older than the retention.</summary>
    public async Task<int> RollUpAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var lastComplete = (now.ToUnixTimeSeconds() / 60 * 60) - 60;
        var firstObserved = (recorder.StartedAt.ToUnixTimeSeconds() + 59) / 60 * 60;
        var rows = new List<DemandMinuteRow>();
        foreach (var key in recorder.Keys)
        {
            var from = _written.TryGetValue(key, out var written) ? written + 60 : Math.Max(firstObserved, lastComplete - (long)options.Value.DemandDetail.TotalSeconds + 60);
            for (var minute = from; minute <= lastComplete; minute += 60)
            {
                var s = recorder.Summarize(key, DateTimeOffset.FromUnixTimeSeconds(minute), DateTimeOffset.FromUnixTimeSeconds(minute + 60));
                if (s.IsKnown)
                {
                    rows.Add(new DemandMinuteRow
                    {
                        Target = key.Target, Function = key.Function, Qualifier = key.Qualifier, MinuteUnix = minute,
                        MaxInFlight = s.MaxInFlight, MeanInFlight = s.MeanInFlight, MeanOfMaxInFlight = s.MeanOfMaxInFlight,
                        Arrivals = s.Arrivals, ColdStarts = s.ColdStarts, Throttles = s.Throttles,
                    });
                }
            }

            if (from <= lastComplete)
            {
                _written[key] = lastComplete;
            }
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (rows.Count > 0)
        {
            db.DemandMinutes.AddRange(rows);
            await db.SaveChangesAsync(cancellationToken);
        }

        var cutoff = (now - Retention).ToUnixTimeSeconds();
        await db.DemandMinutes.Where(r => r.MinuteUnix < cutoff).ExecuteDeleteAsync(cancellationToken);
        return rows.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demand roll-up failed")]
    private partial void LogFailed(Exception exception);
}

/// <summary>
/// Demand of one key as a decider sees it: the recorder's seconds where it has them, the stored
/// minutes further back (loaded beforehand for the windows predictive scaling asks about).
/// </summary>
public sealed class CombinedDemandHistory(IDemandHistory recent, DateTimeOffset recentFrom, IReadOnlyList<DemandMinuteRow> minutes) : IDemandHistory
{
    public DemandSummary Summarize(DateTimeOffset from, DateTimeOffset to)
    {
        if (from >= recentFrom)
        {
            return recent.Summarize(from, to);
        }

        long first = from.ToUnixTimeSeconds(), last = to.ToUnixTimeSeconds();
        var covered = 0;
        var max = 0;
        double mean = 0, meanOfMax = 0;
        int arrivals = 0, colds = 0, throttles = 0;
        foreach (var m in minutes)
        {
            if (m.MinuteUnix < first || m.MinuteUnix >= last)
            {
                continue;
            }

            covered++;
            max = Math.Max(max, m.MaxInFlight);
            mean += m.MeanInFlight;
            meanOfMax += m.MeanOfMaxInFlight;
            arrivals += m.Arrivals;
            colds += m.ColdStarts;
            throttles += m.Throttles;
        }

        return covered == 0
            ? recent.Summarize(from, to)
            : new DemandSummary(TimeSpan.FromMinutes(covered), max, mean / covered, meanOfMax / covered, arrivals, colds, throttles);
    }
}
