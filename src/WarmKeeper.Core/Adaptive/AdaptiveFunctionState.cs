using WarmKeeper.Core.Scaling;

namespace WarmKeeper.Core.Adaptive;

/// <summary>What the adaptive policy knows and has planned for one function.</summary>
internal sealed class AdaptiveFunctionState(AdaptiveOptions options)
{
    // What it learns from the function's own demand.
    public readonly WarmthForecast Forecast = new(options);
    public readonly UtilizationByLevel Utilization = new(options.UtilizationWindowMs, 64);
    public readonly List<long> InFlightArrivals = [];
    public readonly List<(long Start, long End)> CompletedIntervals = [];
    public long ForecastFedMs;

    // Its environments' ages, and the renewals planned for them.
    public readonly List<long> Births = [];
    public readonly List<long> Renewals = [];
    public bool RenewalPending;

    // Its pings.
    public long LastEndMs = -1;
    public long LastFullPingMs;
    public int LastPingedLevel;
    public long FullPingOwedByMs = long.MaxValue;
    public int PingsInFlight;
    public long PingRefusedAtMs = -1;
    public long NextCheckMs = long.MaxValue;
    public bool WaitingForIdle;
    public PingRun? Run;

    // The plain warmer it is measured against (the savings account).
    public int BaselinePeak;
    public long BaselineLifetimes;

    // What a user's routing onto the idle function will tell of the idle timeout.
    public long UserCandidateArrivalMs = -1;
    public long UserCandidateGapMs;
    public bool UserCandidateLifetimePossible;

    // Probing for a longer idle timeout.
    public bool CannotProbe;
    public ProbeState? Probe;

    // Provisioned concurrency, decided by the agent's decider under this policy.
    public ConcurrencyPolicy? ScalingPolicy;

    /// <summary>
    /// Tells the forecast how many invocations ran when the one completing now arrived, counted as the platform's peak
    /// is, by their handler durations. Counted at arrival, invocations still starting cold would count for their init
    /// too: a cold fan-out of 27 looked like 31 and kept 4 environments too many warm.
    /// </summary>
    public void FeedForecast(long arrivalMs, int durationMs, long nowMs)
    {
        var inFlight = InFlightArrivals;
        var index = inFlight.BinarySearch(arrivalMs);
        if (index >= 0)
        {
            inFlight.RemoveAt(index);
        }

        var running = 1;
        foreach (var other in inFlight)
        {
            if (other > arrivalMs)
            {
                break;
            }

            running++;
        }

        var completed = CompletedIntervals;
        foreach (var (start, end) in completed)
        {
            if (start <= arrivalMs && arrivalMs < end)
            {
                running++;
            }
        }

        completed.Add((arrivalMs, arrivalMs + durationMs));
        var oldestNeeded = inFlight.Count > 0 ? inFlight[0] : nowMs;
        completed.RemoveAll(c => c.End <= oldestNeeded);
        ForecastFedMs = Math.Max(ForecastFedMs, arrivalMs);
        Forecast.OnConcurrency(ForecastFedMs, running);
    }

    /// <summary>
    /// Records an environment born (its cold start) and plans its renewal at the end of its life: environments born
    /// within <paramref name="coalesceMs"/> are renewed together, by one ping at the latest of their ages.
    /// </summary>
    /// <returns>The renewal to schedule (new, or moved later); null when one already planned covers it.</returns>
    public long? AddBirth(long bornMs, long lifetimeMs, long coalesceMs)
    {
        var renewal = bornMs + lifetimeMs;
        var index = Births.BinarySearch(bornMs);
        Births.Insert(index < 0 ? ~index : index, bornMs);
        for (var i = 0; i < Renewals.Count; i++)
        {
            if (Math.Abs(Renewals[i] - renewal) <= coalesceMs)
            {
                if (renewal > Renewals[i])
                {
                    Renewals[i] = renewal;
                    return renewal;
                }

                return null;
            }
        }

        Renewals.Add(renewal);
        return renewal;
    }
}

/// <summary>One round of pings in flight, and what its outcomes will prove.</summary>
internal sealed class PingRun
{
    public long AtMs;
    public int Sent;
    public int Remaining;
    public int Warm;
    public long EarliestEndMs = long.MaxValue;
    public bool IsProbe;
    public bool Evidence;
    public long GapMs;
    public long ShadowGapMs;
    public bool LifetimePossible;
}

/// <summary>A function's part in probing: its shadow environment and the gap under test.</summary>
internal sealed class ProbeState
{
    public int Rank;
    public long ShadowEndMs = long.MinValue;
    public long? GapMs;
    public bool Spoiled;
    public long HoldUntilMs = long.MinValue;
}
