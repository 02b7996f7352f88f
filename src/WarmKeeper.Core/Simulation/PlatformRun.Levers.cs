using WarmKeeper.Core.KeepWarm;

namespace WarmKeeper.Core.Simulation;

// What the policy can do to the platform through SimulatedKeepWarmContext: ping, set provisioned concurrency (now or
// after the provisioning delay; a decrease cancels pending increases first), schedule a timer, record a decision.
internal sealed partial class PlatformRun
{
    public int GetConfiguredProvisionedConcurrency(int function) => _functions[function].ProvisionedConfigured;

    public void CheckProvisionedCount(int function, int count)
    {
        if (count > _functions[function].ReservedLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Provisioned concurrency cannot exceed the function's reserved concurrency ({_functions[function].ReservedLimit}).");
        }
    }

    public void Decide(PolicyDecisionKind kind, int function, int value, string? reason) =>
        _decisions.Add(new PolicyDecision(_context.Now, _trace.Functions[function].Name, kind, value, reason));

    public void ScheduleTimer(long atMs) => Enqueue(atMs, EventKind.Timer, new PendingEvent(EventKind.Timer, 0, 0, default));

    /// <summary>Routes <paramref name="fanOut"/> pings now; returns how many were throttled.</summary>
    public int Ping(int function, int fanOut)
    {
        var state = _functions[function];
        var now = _context.Now;
        var throttled = 0;
        for (var i = 0; i < fanOut; i++)
        {
            var start = Route(state, now, _pingDurationMs, out var end);
            if (start == StartKind.None)
            {
                throttled++;
                state.PingThrottles++;
                if ((_interest & KeepWarmInterest.Pings) != 0)
                {
                    Observe(now, new KeepWarmObservation(ObservationKind.PingThrottled, function, now, now, 0, StartKind.None));
                }

                continue;
            }

            state.Pings++;
            if (start == StartKind.Cold)
            {
                state.ColdPings++;
            }

            if ((_interest & KeepWarmInterest.Pings) != 0)
            {
                Observe(end, new KeepWarmObservation(ObservationKind.PingCompleted, function, end, now, _pingDurationMs, start));
            }
        }

        return throttled;
    }

    public int? GetReservedConcurrency(int function) =>
        _functions[function].ReservedLimit == int.MaxValue ? null : _functions[function].ReservedLimit;

    public int AccountConcurrencyLimit => _accountLimit;

    public long HorizonMs => _horizon;

    public void SetProvisionedConcurrency(int function, int count, bool immediate)
    {
        var state = _functions[function];
        var now = _context.Now;
        var old = state.ProvisionedConfigured;
        if (count == old)
        {
            return;
        }

        // Billing of the configured value runs from now to the end of the trace; a change adds or removes the rest.
        state.ProvisionedConcurrencyMbMs += (long)(count - old) * state.MemoryMb * (_horizon - now);
        state.ProvisionedConfigured = count;
        if (count > old)
        {
            if (immediate)
            {
                state.AddProvisioned(now, count - old);
                _existingEnvironments += count - old;
            }
            else
            {
                var id = state.Pending.Count;
                state.Pending.Add(new PendingProvisioning(count - old));
                Enqueue(now + _options.ProvisioningDelayMs, EventKind.ProvisioningReady, new PendingEvent(EventKind.ProvisioningReady, function, id, default));
            }

            return;
        }

        // A decrease first cancels increases not yet ready (latest first), then demotes ready environments.
        var surplus = old - count;
        for (var i = state.Pending.Count - 1; i >= 0 && surplus > 0; i--)
        {
            var pending = state.Pending[i];
            var cancelled = Math.Min(surplus, pending.Count);
            pending.Count -= cancelled;
            surplus -= cancelled;
        }

        state.Demote(surplus);
    }

    private sealed class PendingProvisioning(int count)
    {
        public int Count { get; set; } = count;
    }
}
