using WarmKeeper.Core.KeepWarm;

namespace WarmKeeper.Core.Simulation;

// Where one invocation or ping runs: the function's idle environments are reaped first, then a provisioned one, the
// most recently used on-demand one, or a new one (a cold start) if the function's and the account's limits allow.
internal sealed partial class PlatformRun
{
    /// <summary>Reaps the function's idle environments at <paramref name="now"/>, then routes one invocation; None means throttled.</summary>
    private StartKind Route(FunctionState state, long now, int durationMs, out long end)
    {
        state.EndRunsUntil(now);
        _existingEnvironments -= state.Reap(now, _lifetimeMs, _reapMs);
        state.NotePeak();

        if (state.TakeProvisioned(out var environment) || state.TakeMostRecentlyUsed(out environment))
        {
            end = now + durationMs;
            environment.BusyUntil = end;
            environment.LastEnd = end;
            state.PushBusy(environment);
            if (environment.Provisioned)
            {
                state.ProvisionedDurationMbMs += (long)durationMs * state.MemoryMb;
                return StartKind.Provisioned;
            }

            state.OnDemandDurationMbMs += (long)durationMs * state.MemoryMb;
            return StartKind.Warm;
        }

        // No idle environment is left, so every environment of the function is busy: its count is its concurrency.
        end = now;
        if (state.BusyCount + 1 > state.ReservedLimit || !AccountHasRoom(now))
        {
            return StartKind.None;
        }

        end = now + state.InitMs + durationMs;
        state.PushBusy(new ExecutionEnvironment { Id = state.NextId++, BusyUntil = end, LastEnd = end, Born = now, Provisioned = false });
        _existingEnvironments++;
        state.NotePeak();
        state.OnDemandDurationMbMs += (state.InitMs + (long)durationMs) * state.MemoryMb;
        return StartKind.Cold;
    }

    private bool AccountHasRoom(long now)
    {
        // Existing environments bound those in use from above, so the exact count is only needed near the limit.
        if (_existingEnvironments + 1 <= _accountLimit)
        {
            return true;
        }

        var inUse = 0;
        foreach (var state in _functions)
        {
            inUse += state.CountInUse(now);
        }

        return inUse + 1 <= _accountLimit;
    }
}
