using WarmKeeper.Core.KeepWarm;

namespace WarmKeeper.Core.Adaptive;

/// <summary>
/// Which functions carry the probes for a longer idle timeout: at most <see cref="AdaptiveOptions.ParallelProbes"/> at
/// once, one per rank (each rank tests its own gap), taken by the functions whose cold starts cost least.
/// </summary>
internal sealed class ProbeRoster
{
    private readonly AdaptiveFunctionState[] _functions;
    private readonly IdleTimeoutEstimator _timeout;
    private readonly int[] _order;
    private readonly int[] _probers;

    public ProbeRoster(AdaptiveFunctionState[] functions, IReadOnlyList<KeepWarmFunction> configurations, IdleTimeoutEstimator timeout, int parallelProbes, long pingDurationMs)
    {
        _functions = functions;
        _timeout = timeout;
        _probers = [.. Enumerable.Repeat(-1, Math.Max(0, parallelProbes))];

        // Probes pay a cold ping now and then: let the functions whose init is cheapest carry them.
        _order = [.. Enumerable.Range(0, configurations.Count)
            .OrderBy(f => (long)configurations[f].MemoryMb * (configurations[f].InitMs + pingDurationMs))
            .ThenBy(f => f)];
    }

    /// <summary>Makes the function a prober if a rank is free, the timeout is not yet known, and it is the cheapest that could (never needed two environments).</summary>
    public void TryEnlist(int function, int desired)
    {
        var state = _functions[function];
        if (state.Probe is not null || state.CannotProbe || _timeout.Converged || desired > 1 || state.Forecast.Peak > 1 || NextCandidate() != function)
        {
            return;
        }

        for (var rank = 0; rank < _probers.Length; rank++)
        {
            if (_probers[rank] < 0)
            {
                _probers[rank] = function;
                state.Probe = new ProbeState { Rank = rank };
                return;
            }
        }
    }

    /// <summary>Ends the function's probe, freeing its rank.</summary>
    public void Release(int function)
    {
        var state = _functions[function];
        if (state.Probe is { } probe && _probers[probe.Rank] == function)
        {
            _probers[probe.Rank] = -1;
        }

        state.Probe = null;
    }

    /// <summary>
    /// Learns from a probe's two pings, all completed: both warm prove the shadow survived its gap, one warm that it
    /// expired (unless the platform's lifetime may have retired it); then the two environments left are the next shadow
    /// and its gap is the estimator's next, or the probe ends when there is none to test.
    /// </summary>
    public void Completed(int function, ProbeState probe, PingRun run)
    {
        if (!probe.Spoiled && run.Evidence && run.Sent == 2)
        {
            if (run.Warm == 2)
            {
                _timeout.ObserveSurvived(run.ShadowGapMs);
            }
            else if (run.Warm == 1 && !run.LifetimePossible)
            {
                _timeout.ObserveExpired(run.ShadowGapMs);
            }
        }

        // The two pings left two environments: the later-ending one will take the keep-alive pings, the other is the new shadow.
        probe.ShadowEndMs = run.Sent == 2 ? run.EarliestEndMs : long.MinValue;
        probe.Spoiled = run.Sent != 2;
        probe.GapMs = _timeout.NextProbeGapMs(probe.Rank, _probers.Length);
        if (probe.GapMs is null)
        {
            Release(function);
        }
    }

    /// <summary>The cheapest function to probe with that is not probing and could (never needed two environments).</summary>
    private int NextCandidate()
    {
        foreach (var candidate in _order)
        {
            var state = _functions[candidate];
            if (state.Probe is null && !state.CannotProbe && state.Forecast.Peak <= 1)
            {
                return candidate;
            }
        }

        return -1;
    }
}
