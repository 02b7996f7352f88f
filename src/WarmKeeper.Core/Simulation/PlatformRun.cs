using System.Runtime.CompilerServices;

namespace WarmKeeper.Core.Simulation;

/// <summary>The mutable state of one simulation run; see <see cref="PlatformSimulator"/> for the model.</summary>
internal sealed class PlatformRun
{
    private const long Horizon = DemandTrace.HorizonMs;

    private readonly DemandTrace _trace;
    private readonly ISimulationPolicy _policy;
    private readonly PolicyInterest _interest;
    private readonly PlatformOptions _options;
    private readonly FunctionState[] _functions;
    private readonly PolicyContext _context;
    private readonly ObservationHistory _history = new();
    private readonly List<PolicyDecision> _decisions = [];
    private readonly PriorityQueue<PendingEvent, EventOrder> _events = new();
    private readonly long _reapMs;
    private readonly long _lifetimeMs;
    private readonly int _accountLimit;
    private readonly int _pingDurationMs;
    private long _sequence;
    private int _existingEnvironments;

    public PlatformRun(DemandTrace trace, ISimulationPolicy policy, PlatformOptions options)
    {
        _trace = trace;
        _policy = policy;
        _interest = policy.Interest;
        _options = options;
        _reapMs = options.ReapMs;
        _lifetimeMs = options.LifetimeMs;
        _accountLimit = options.AccountConcurrencyLimit;
        _pingDurationMs = options.PingDurationMs;
        _functions = new FunctionState[trace.Functions.Count];
        for (var i = 0; i < _functions.Length; i++)
        {
            var function = trace.Functions[i];
            var reserved = options.ReservedConcurrency.TryGetValue(function.Name, out var limit) ? limit : int.MaxValue;
            _functions[i] = new FunctionState(function.MemoryMb, function.InitMs, reserved);
        }

        _context = new PolicyContext(this, trace.Functions, _history);
    }

    public SimulationResult Execute(string policyName, CancellationToken cancellationToken)
    {
        _context.NowMs = 0;
        _context.InStart = true;
        _policy.OnStart(_context);
        _context.InStart = false;

        var invocations = _trace.Invocations;
        var next = 0;
        while (true)
        {
            var arrival = next < invocations.Length ? invocations[next].TimeMs : long.MaxValue;
            if (_events.TryPeek(out _, out var order) && order.Time <= arrival && (order.Time < Horizon || arrival != long.MaxValue))
            {
                var pending = _events.Dequeue();
                Handle(pending, order.Time);
                continue;
            }

            if (next >= invocations.Length)
            {
                break;
            }

            if ((next & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            Arrive(invocations[next]);
            next++;
        }

        return BuildResult(policyName);
    }

    public int GetConfiguredProvisionedConcurrency(int function) => _functions[function].ProvisionedConfigured;

    public void CheckProvisionedCount(int function, int count)
    {
        if (count > _functions[function].ReservedLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"Provisioned concurrency cannot exceed the function's reserved concurrency ({_functions[function].ReservedLimit}).");
        }
    }

    public void Decide(PolicyDecisionKind kind, int function, int value, string? reason) =>
        _decisions.Add(new PolicyDecision(_context.NowMs, _trace.Functions[function].Name, kind, value, reason));

    public void ScheduleTimer(long atMs) => Enqueue(atMs, EventKind.Timer, new PendingEvent(EventKind.Timer, 0, 0, default));

    public void Ping(int function, int fanOut)
    {
        var state = _functions[function];
        var now = _context.NowMs;
        for (var i = 0; i < fanOut; i++)
        {
            var start = Route(state, now, _pingDurationMs, out var end);
            if (start == StartKind.None)
            {
                state.PingThrottles++;
                if ((_interest & PolicyInterest.Pings) != 0)
                {
                    Observe(now, new PolicyObservation(ObservationKind.PingThrottled, function, now, now, 0, StartKind.None));
                }

                continue;
            }

            state.Pings++;
            if (start == StartKind.Cold)
            {
                state.ColdPings++;
            }

            if ((_interest & PolicyInterest.Pings) != 0)
            {
                Observe(end, new PolicyObservation(ObservationKind.PingCompleted, function, end, now, _pingDurationMs, start));
            }
        }
    }

    public void SetProvisionedConcurrency(int function, int count, bool immediate)
    {
        var state = _functions[function];
        var now = _context.NowMs;
        var old = state.ProvisionedConfigured;
        if (count == old)
        {
            return;
        }

        // Billing of the configured value runs from now to the end of the trace; a change adds or removes the rest.
        state.ProvisionedConcurrencyMbMs += (long)(count - old) * state.MemoryMb * (Horizon - now);
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

    private void Handle(in PendingEvent pending, long time)
    {
        switch (pending.Kind)
        {
            case EventKind.ProvisioningReady:
            {
                var state = _functions[pending.Function];
                var entry = state.Pending[pending.Payload];
                if (entry.Count > 0)
                {
                    state.AddProvisioned(time, entry.Count);
                    _existingEnvironments += entry.Count;
                    entry.Count = 0;
                }

                break;
            }

            case EventKind.Observation:
                Deliver(pending.Observation);
                break;

            case EventKind.Timer:
                _context.NowMs = time;
                _policy.OnTimer(_context);
                break;
        }
    }

    private void Arrive(in TraceInvocation invocation)
    {
        var state = _functions[invocation.FunctionIndex];
        state.Invocations++;
        var start = Route(state, invocation.TimeMs, invocation.DurationMs, out var end);
        if (start == StartKind.None)
        {
            state.Throttles++;
            if ((_interest & PolicyInterest.Arrivals) != 0)
            {
                _context.NowMs = invocation.TimeMs;
                Deliver(new PolicyObservation(ObservationKind.InvocationThrottled, invocation.FunctionIndex, invocation.TimeMs, invocation.TimeMs, 0, StartKind.None));
            }

            return;
        }

        state.Runs++;
        switch (start)
        {
            case StartKind.Cold:
                state.ColdStarts++;
                break;
            case StartKind.Provisioned:
                state.ProvisionedStarts++;
                break;
        }

        if ((_interest & PolicyInterest.Completions) != 0)
        {
            Observe(end, new PolicyObservation(ObservationKind.InvocationCompleted, invocation.FunctionIndex, end, invocation.TimeMs, invocation.DurationMs, start));
        }

        if ((_interest & PolicyInterest.Arrivals) != 0)
        {
            Deliver(new PolicyObservation(ObservationKind.InvocationArrived, invocation.FunctionIndex, invocation.TimeMs, invocation.TimeMs, 0, StartKind.None));
        }
    }

    /// <summary>Reaps the function's idle environments at <paramref name="now"/>, then routes one invocation; None means throttled.</summary>
    private StartKind Route(FunctionState state, long now, int durationMs, out long end)
    {
        // Runs that ended by now leave their environments idle; only idle ones are examined below, so a function
        // with hundreds of busy environments costs a heap pop per ended run, not a scan of all of them.
        while (state.BusyCount > 0 && state.Busy[0].BusyUntil <= now)
        {
            state.AddIdle(state.PopBusy());
        }

        var idle = state.Idle;
        var count = state.IdleCount;
        var kept = 0;
        var provisioned = -1;
        var provisionedId = long.MaxValue;
        var onDemand = -1;
        var latestEnd = long.MinValue;
        var latestId = long.MaxValue;
        for (var i = 0; i < count; i++)
        {
            ref var environment = ref idle[i];
            if (now - environment.Born >= _lifetimeMs)
            {
                if (!environment.Provisioned)
                {
                    continue;
                }

                environment.Born = now;
                environment.LastEnd = now;
            }
            else if (!environment.Provisioned && now - environment.LastEnd >= _reapMs)
            {
                continue;
            }

            // Ties go to the earliest-created environment: the reference results decide it (see PlatformSimulator).
            if (environment.Provisioned)
            {
                if (environment.Id < provisionedId)
                {
                    provisionedId = environment.Id;
                    provisioned = kept;
                }
            }
            else if (environment.LastEnd > latestEnd || (environment.LastEnd == latestEnd && environment.Id < latestId))
            {
                latestEnd = environment.LastEnd;
                latestId = environment.Id;
                onDemand = kept;
            }

            if (kept != i)
            {
                idle[kept] = environment;
            }

            kept++;
        }

        _existingEnvironments -= count - kept;
        state.IdleCount = kept;
        state.NotePeak();

        var chosen = provisioned >= 0 ? provisioned : onDemand;
        if (chosen >= 0)
        {
            end = now + durationMs;
            var environment = state.TakeIdle(chosen);
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
            for (var i = 0; i < state.BusyCount; i++)
            {
                if (state.Busy[i].Provisioned || state.Busy[i].BusyUntil > now)
                {
                    inUse++;
                }
            }

            for (var i = 0; i < state.IdleCount; i++)
            {
                if (state.Idle[i].Provisioned)
                {
                    inUse++;
                }
            }
        }

        return inUse + 1 <= _accountLimit;
    }

    private void Observe(long at, in PolicyObservation observation)
    {
        Enqueue(at, EventKind.Observation, new PendingEvent(EventKind.Observation, observation.FunctionIndex, 0, observation));
    }

    private void Deliver(in PolicyObservation observation)
    {
        _context.NowMs = observation.ObservedAtMs;
        if ((_interest & PolicyInterest.History) != 0)
        {
            _history.Add(observation);
        }

        _policy.OnObservation(_context, observation);
    }

    private void Enqueue(long time, EventKind kind, in PendingEvent pending) =>
        _events.Enqueue(pending, new EventOrder(time, kind, _sequence++));

    private SimulationResult BuildResult(string policyName)
    {
        var prices = _options.Prices;
        var perFunction = new FunctionResult[_functions.Length];
        long invocations = 0, cold = 0, warm = 0, provisionedStarts = 0, throttles = 0, pings = 0, coldPings = 0, pingThrottles = 0;
        long onDemandMbMs = 0, pcMbMs = 0, pcDurationMbMs = 0;
        for (var i = 0; i < _functions.Length; i++)
        {
            var state = _functions[i];
            var counts = state.Counts();
            perFunction[i] = new FunctionResult(_trace.Functions[i].Name, counts, Cost(prices, state.Runs + state.Pings, state.OnDemandDurationMbMs, state.ProvisionedConcurrencyMbMs, state.ProvisionedDurationMbMs), state.PeakEnvironments);
            invocations += counts.Invocations;
            cold += counts.ColdStarts;
            warm += counts.WarmStarts;
            provisionedStarts += counts.ProvisionedStarts;
            throttles += counts.Throttles;
            pings += counts.Pings;
            coldPings += counts.ColdPings;
            pingThrottles += counts.PingThrottles;
            onDemandMbMs += state.OnDemandDurationMbMs;
            pcMbMs += state.ProvisionedConcurrencyMbMs;
            pcDurationMbMs += state.ProvisionedDurationMbMs;
        }

        var total = new SimulationCounts(invocations, cold, warm, provisionedStarts, throttles, pings, coldPings, pingThrottles);
        var cost = Cost(prices, cold + warm + pings, onDemandMbMs, pcMbMs, pcDurationMbMs);
        return new SimulationResult(_trace.Name, policyName, _reapMs, total, cost, perFunction, _decisions);
    }

    private static CostBreakdown Cost(PlatformPrices prices, long requests, long onDemandMbMs, long pcMbMs, long pcDurationMbMs)
    {
        // MB-ms to GB-s: divide by 1024 (MB per GB) and 1000 (ms per s).
        const double GbSecondsPerMbMs = 1.0 / (1024.0 * 1000.0);
        return new CostBreakdown(
            requests * prices.PerMillionRequests / 1_000_000.0,
            onDemandMbMs * GbSecondsPerMbMs * prices.OnDemandPerGbSecond,
            pcMbMs * GbSecondsPerMbMs * prices.ProvisionedConcurrencyPerGbSecond,
            pcDurationMbMs * GbSecondsPerMbMs * prices.ProvisionedDurationPerGbSecond);
    }

    private enum EventKind : byte
    {
        // Declaration order is the order of events at the same millisecond.
        ProvisioningReady,
        Observation,
        Timer,
    }

    private readonly record struct PendingEvent(EventKind Kind, int Function, int Payload, PolicyObservation Observation);

    private readonly record struct EventOrder(long Time, EventKind Kind, long Sequence) : IComparable<EventOrder>
    {
        public int CompareTo(EventOrder other)
        {
            var byTime = Time.CompareTo(other.Time);
            if (byTime != 0)
            {
                return byTime;
            }

            var byKind = ((byte)Kind).CompareTo((byte)other.Kind);
            return byKind != 0 ? byKind : Sequence.CompareTo(other.Sequence);
        }
    }

    private sealed class PendingProvisioning(int count)
    {
        public int Count { get; set; } = count;
    }

    private struct ExecutionEnvironment
    {
        /// <summary>Creation order within the function; a provisioned replacement keeps its predecessor's.</summary>
        public long Id;
        public long BusyUntil;
        public long LastEnd;
        public long Born;
        public bool Provisioned;
    }

    /// <summary>
    /// One function's environments: busy ones in a min-heap by busy_until (they need no look until they end),
    /// idle ones in an unordered list that every routing examines (reaping and choosing need all of them).
    /// </summary>
    private sealed class FunctionState(int memoryMb, int initMs, int reservedLimit)
    {
        public ExecutionEnvironment[] Busy = new ExecutionEnvironment[4];
        public int BusyCount;
        public ExecutionEnvironment[] Idle = new ExecutionEnvironment[4];
        public int IdleCount;
        public long NextId;
        public readonly long MemoryMb = memoryMb;
        public readonly long InitMs = initMs;
        public readonly int ReservedLimit = reservedLimit;
        public readonly List<PendingProvisioning> Pending = [];
        public int ProvisionedConfigured;
        public int PeakEnvironments;
        public long Invocations, Runs, ColdStarts, ProvisionedStarts, Throttles, Pings, ColdPings, PingThrottles;
        public long OnDemandDurationMbMs, ProvisionedConcurrencyMbMs, ProvisionedDurationMbMs;

        public void NotePeak()
        {
            if (BusyCount + IdleCount > PeakEnvironments)
            {
                PeakEnvironments = BusyCount + IdleCount;
            }
        }

        public void AddIdle(in ExecutionEnvironment environment)
        {
            if (IdleCount == Idle.Length)
            {
                Array.Resize(ref Idle, Idle.Length * 2);
            }

            Idle[IdleCount++] = environment;
        }

        public ExecutionEnvironment TakeIdle(int index)
        {
            var environment = Idle[index];
            Idle[index] = Idle[--IdleCount];
            return environment;
        }

        public void PushBusy(in ExecutionEnvironment environment)
        {
            if (BusyCount == Busy.Length)
            {
                Array.Resize(ref Busy, Busy.Length * 2);
            }

            var child = BusyCount++;
            while (child > 0)
            {
                var parent = (child - 1) >> 1;
                if (!Before(environment, Busy[parent]))
                {
                    break;
                }

                Busy[child] = Busy[parent];
                child = parent;
            }

            Busy[child] = environment;
        }

        public ExecutionEnvironment PopBusy()
        {
            var top = Busy[0];
            var last = Busy[--BusyCount];
            var parent = 0;
            while (true)
            {
                var child = (2 * parent) + 1;
                if (child >= BusyCount)
                {
                    break;
                }

                if (child + 1 < BusyCount && Before(Busy[child + 1], Busy[child]))
                {
                    child++;
                }

                if (!Before(Busy[child], last))
                {
                    break;
                }

                Busy[parent] = Busy[child];
                parent = child;
            }

            if (BusyCount > 0)
            {
                Busy[parent] = last;
            }

            return top;
        }

        public void AddProvisioned(long now, int count)
        {
            for (var i = 0; i < count; i++)
            {
                AddIdle(new ExecutionEnvironment { Id = NextId++, BusyUntil = now, LastEnd = now, Born = now, Provisioned = true });
            }

            NotePeak();
        }

        /// <summary>The newest provisioned environments (busy or idle) become on-demand ones, keeping their state.</summary>
        public void Demote(int surplus)
        {
            while (surplus-- > 0)
            {
                ref var newest = ref Unsafe.NullRef<ExecutionEnvironment>();
                var newestId = long.MinValue;
                for (var i = 0; i < BusyCount; i++)
                {
                    if (Busy[i].Provisioned && Busy[i].Id > newestId)
                    {
                        newestId = Busy[i].Id;
                        newest = ref Busy[i];
                    }
                }

                for (var i = 0; i < IdleCount; i++)
                {
                    if (Idle[i].Provisioned && Idle[i].Id > newestId)
                    {
                        newestId = Idle[i].Id;
                        newest = ref Idle[i];
                    }
                }

                if (Unsafe.IsNullRef(ref newest))
                {
                    return;
                }

                // The heap is ordered by busy_until and Id only, so flipping the flag keeps it valid.
                newest.Provisioned = false;
            }
        }

        private static bool Before(in ExecutionEnvironment left, in ExecutionEnvironment right) =>
            left.BusyUntil < right.BusyUntil || (left.BusyUntil == right.BusyUntil && left.Id < right.Id);

        public SimulationCounts Counts() =>
            new(Invocations, ColdStarts, Runs - ColdStarts, ProvisionedStarts, Throttles, Pings, ColdPings, PingThrottles);
    }
}
