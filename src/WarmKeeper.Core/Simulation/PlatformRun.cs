using WarmKeeper.Core.KeepWarm;

namespace WarmKeeper.Core.Simulation;

/// <summary>The mutable state of one simulation run; see <see cref="PlatformSimulator"/> for the model.</summary>
internal sealed class PlatformRun
{
    private readonly long _horizon;

    private readonly DemandTrace _trace;
    private readonly IKeepWarmPolicy _policy;
    private readonly KeepWarmInterest _interest;
    private readonly PlatformOptions _options;
    private readonly FunctionState[] _functions;
    private readonly SimulatedKeepWarmContext _context;
    private readonly ObservationHistory _history = new();
    private readonly List<PolicyDecision> _decisions = [];
    private readonly PriorityQueue<PendingEvent, EventOrder> _events = new();
    private readonly long _reapMs;
    private readonly long _lifetimeMs;
    private readonly int _accountLimit;
    private readonly int _pingDurationMs;
    private long _sequence;
    private int _existingEnvironments;

    public PlatformRun(DemandTrace trace, IReadOnlyList<KeepWarmFunction> functions, IKeepWarmPolicy policy, PlatformOptions options)
    {
        _trace = trace;
        _horizon = trace.LengthMs;
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

        _context = new SimulatedKeepWarmContext(this, functions, _history);
    }

    public SimulationResult Execute(string policyName, CancellationToken cancellationToken)
    {
        _context.Now = 0;
        _context.BeginStart();
        _policy.OnStart(_context);
        _context.EndStart();

        var invocations = _trace.Invocations;
        var next = 0;
        while (true)
        {
            var arrival = next < invocations.Length ? invocations[next].TimeMs : long.MaxValue;
            if (_events.TryPeek(out _, out var order) && order.Time <= arrival && (order.Time < _horizon || arrival != long.MaxValue))
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
                _context.Now = time;
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
            if ((_interest & KeepWarmInterest.Arrivals) != 0)
            {
                _context.Now = invocation.TimeMs;
                Deliver(new KeepWarmObservation(ObservationKind.InvocationThrottled, invocation.FunctionIndex, invocation.TimeMs, invocation.TimeMs, 0, StartKind.None));
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

        if ((_interest & KeepWarmInterest.Completions) != 0)
        {
            Observe(end, new KeepWarmObservation(ObservationKind.InvocationCompleted, invocation.FunctionIndex, end, invocation.TimeMs, invocation.DurationMs, start));
        }

        if ((_interest & KeepWarmInterest.Arrivals) != 0)
        {
            Deliver(new KeepWarmObservation(ObservationKind.InvocationArrived, invocation.FunctionIndex, invocation.TimeMs, invocation.TimeMs, 0, StartKind.None));
        }
    }

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

    private void Observe(long at, in KeepWarmObservation observation)
    {
        Enqueue(at, EventKind.Observation, new PendingEvent(EventKind.Observation, observation.FunctionIndex, 0, observation));
    }

    private void Deliver(in KeepWarmObservation observation)
    {
        _context.Now = observation.ObservedAtMs;
        if ((_interest & KeepWarmInterest.History) != 0)
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

    private readonly record struct PendingEvent(EventKind Kind, int Function, int Payload, KeepWarmObservation Observation);

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
    /// One function's environments in three sets, so that routing costs O(log n) instead of a scan:
    /// busy ones in a min-heap by busy_until (untouched until their run ends); idle provisioned ones in a min-heap by
    /// creation order (the first is taken); idle on-demand ones in an array sorted by (last_end ascending, creation
    /// descending), so the most recently used (earliest created on a tie) is at the back and those idle for REAP are
    /// at the front. Lifetime retirement, which can hit any idle environment, is found through a lower bound on the
    /// earliest birth in each idle set: a scan happens only when that bound says something may be due.
    /// </summary>
    private sealed class FunctionState(int memoryMb, int initMs, int reservedLimit)
    {
        private ExecutionEnvironment[] _busy = new ExecutionEnvironment[4];
        private ExecutionEnvironment[] _ready = new ExecutionEnvironment[4];
        private int _readyCount;
        private long _readyBornBound = long.MaxValue;
        private ExecutionEnvironment[] _warm = new ExecutionEnvironment[4];
        private int _warmHead;
        private int _warmCount;
        private long _warmBornBound = long.MaxValue;
        private int _busyCount;

        public long NextId;
        public readonly long MemoryMb = memoryMb;
        public readonly long InitMs = initMs;
        public readonly int ReservedLimit = reservedLimit;
        public readonly List<PendingProvisioning> Pending = [];
        public int ProvisionedConfigured;
        public int PeakEnvironments;
        public long Invocations, Runs, ColdStarts, ProvisionedStarts, Throttles, Pings, ColdPings, PingThrottles;
        public long OnDemandDurationMbMs, ProvisionedConcurrencyMbMs, ProvisionedDurationMbMs;

        public int BusyCount => _busyCount;

        public void NotePeak()
        {
            var count = _busyCount + _readyCount + _warmCount;
            if (count > PeakEnvironments)
            {
                PeakEnvironments = count;
            }
        }

        /// <summary>Environments whose run ended by <paramref name="now"/> become idle.</summary>
        public void EndRunsUntil(long now)
        {
            while (_busyCount > 0 && _busy[0].BusyUntil <= now)
            {
                var environment = Heap<ByBusyUntil>.Pop(_busy, ref _busyCount);
                if (environment.Provisioned)
                {
                    AddReady(environment);
                }
                else
                {
                    AddWarm(environment);
                }
            }
        }

        /// <summary>Examines the idle environments at <paramref name="now"/>; returns how many were removed.</summary>
        public int Reap(long now, long lifetimeMs, long reapMs)
        {
            if (_readyCount > 0 && now - _readyBornBound >= lifetimeMs)
            {
                // Provisioned ones are replaced in place: a new environment born now, keeping its place in line.
                var bound = long.MaxValue;
                for (var i = 0; i < _readyCount; i++)
                {
                    ref var environment = ref _ready[i];
                    if (now - environment.Born >= lifetimeMs)
                    {
                        environment.Born = now;
                        environment.LastEnd = now;
                    }

                    bound = Math.Min(bound, environment.Born);
                }

                _readyBornBound = bound;
            }

            var removed = 0;
            while (_warmCount > 0 && now - _warm[_warmHead].LastEnd >= reapMs)
            {
                _warmHead++;
                _warmCount--;
                removed++;
            }

            if (_warmCount > 0 && now - _warmBornBound >= lifetimeMs)
            {
                var bound = long.MaxValue;
                var kept = _warmHead;
                for (var i = _warmHead; i < _warmHead + _warmCount; i++)
                {
                    if (now - _warm[i].Born >= lifetimeMs)
                    {
                        continue;
                    }

                    bound = Math.Min(bound, _warm[i].Born);
                    _warm[kept++] = _warm[i];
                }

                removed += _warmHead + _warmCount - kept;
                _warmCount = kept - _warmHead;
                _warmBornBound = bound;
            }

            if (_warmCount == 0)
            {
                _warmHead = 0;
            }

            return removed;
        }

        public bool TakeProvisioned(out ExecutionEnvironment environment)
        {
            if (_readyCount == 0)
            {
                environment = default;
                return false;
            }

            environment = Heap<ById>.Pop(_ready, ref _readyCount);
            return true;
        }

        public bool TakeMostRecentlyUsed(out ExecutionEnvironment environment)
        {
            if (_warmCount == 0)
            {
                environment = default;
                return false;
            }

            environment = _warm[_warmHead + --_warmCount];
            return true;
        }

        public void PushBusy(in ExecutionEnvironment environment) => Heap<ByBusyUntil>.Push(ref _busy, ref _busyCount, environment);

        public void AddProvisioned(long now, int count)
        {
            for (var i = 0; i < count; i++)
            {
                AddReady(new ExecutionEnvironment { Id = NextId++, BusyUntil = now, LastEnd = now, Born = now, Provisioned = true });
            }

            NotePeak();
        }

        /// <summary>The newest provisioned environments (busy or idle) become on-demand ones, keeping their state.</summary>
        public void Demote(int surplus)
        {
            for (; surplus > 0; surplus--)
            {
                var busyIndex = -1;
                var readyIndex = -1;
                var newestId = long.MinValue;
                for (var i = 0; i < _busyCount; i++)
                {
                    if (_busy[i].Provisioned && _busy[i].Id > newestId)
                    {
                        newestId = _busy[i].Id;
                        busyIndex = i;
                    }
                }

                for (var i = 0; i < _readyCount; i++)
                {
                    if (_ready[i].Id > newestId)
                    {
                        newestId = _ready[i].Id;
                        readyIndex = i;
                        busyIndex = -1;
                    }
                }

                if (busyIndex >= 0)
                {
                    // The busy heap is ordered by busy_until and creation only, so flipping the flag keeps it valid.
                    _busy[busyIndex].Provisioned = false;
                }
                else if (readyIndex >= 0)
                {
                    var environment = Heap<ById>.RemoveAt(_ready, ref _readyCount, readyIndex);
                    environment.Provisioned = false;
                    AddWarm(environment);
                }
                else
                {
                    return;
                }
            }
        }

        /// <summary>Environments that hold account concurrency at <paramref name="now"/>: busy ones and all provisioned ones.</summary>
        public int CountInUse(long now)
        {
            var inUse = _readyCount;
            for (var i = 0; i < _busyCount; i++)
            {
                if (_busy[i].Provisioned || _busy[i].BusyUntil > now)
                {
                    inUse++;
                }
            }

            return inUse;
        }

        private void AddReady(in ExecutionEnvironment environment)
        {
            Heap<ById>.Push(ref _ready, ref _readyCount, environment);
            _readyBornBound = Math.Min(_readyBornBound, environment.Born);
        }

        private void AddWarm(in ExecutionEnvironment environment)
        {
            if (_warmHead + _warmCount == _warm.Length)
            {
                if (_warmHead > 0)
                {
                    Array.Copy(_warm, _warmHead, _warm, 0, _warmCount);
                    _warmHead = 0;
                }
                else
                {
                    Array.Resize(ref _warm, _warm.Length * 2);
                }
            }

            // Runs end in time order, so this is almost always an append; a demoted environment may go further in.
            var position = _warmHead + _warmCount;
            while (position > _warmHead && GoesAfter(_warm[position - 1], environment))
            {
                _warm[position] = _warm[position - 1];
                position--;
            }

            _warm[position] = environment;
            _warmCount++;
            _warmBornBound = Math.Min(_warmBornBound, environment.Born);
        }

        private static bool GoesAfter(in ExecutionEnvironment existing, in ExecutionEnvironment added) =>
            existing.LastEnd > added.LastEnd || (existing.LastEnd == added.LastEnd && existing.Id < added.Id);

        public SimulationCounts Counts() =>
            new(Invocations, ColdStarts, Runs - ColdStarts, ProvisionedStarts, Throttles, Pings, ColdPings, PingThrottles);
    }

    private interface IEnvironmentOrder
    {
        static abstract bool Before(in ExecutionEnvironment left, in ExecutionEnvironment right);
    }

    /// <summary>Busy environments: earliest end first (creation descending on a tie, the order idle ones are filed in).</summary>
    private readonly struct ByBusyUntil : IEnvironmentOrder
    {
        public static bool Before(in ExecutionEnvironment left, in ExecutionEnvironment right) =>
            left.BusyUntil < right.BusyUntil || (left.BusyUntil == right.BusyUntil && left.Id > right.Id);
    }

    /// <summary>Idle provisioned environments: earliest created first.</summary>
    private readonly struct ById : IEnvironmentOrder
    {
        public static bool Before(in ExecutionEnvironment left, in ExecutionEnvironment right) => left.Id < right.Id;
    }

    /// <summary>A binary min-heap of environment structs in an array, ordered by <typeparamref name="TOrder"/>.</summary>
    private static class Heap<TOrder>
        where TOrder : struct, IEnvironmentOrder
    {
        public static void Push(ref ExecutionEnvironment[] heap, ref int count, in ExecutionEnvironment environment)
        {
            if (count == heap.Length)
            {
                Array.Resize(ref heap, heap.Length * 2);
            }

            SiftUp(heap, count++, environment);
        }

        public static ExecutionEnvironment Pop(ExecutionEnvironment[] heap, ref int count) => RemoveAt(heap, ref count, 0);

        public static ExecutionEnvironment RemoveAt(ExecutionEnvironment[] heap, ref int count, int index)
        {
            var removed = heap[index];
            var last = heap[--count];
            if (index < count)
            {
                if (index > 0 && TOrder.Before(last, heap[(index - 1) >> 1]))
                {
                    SiftUp(heap, index, last);
                }
                else
                {
                    SiftDown(heap, count, index, last);
                }
            }

            return removed;
        }

        private static void SiftUp(ExecutionEnvironment[] heap, int index, in ExecutionEnvironment environment)
        {
            while (index > 0)
            {
                var parent = (index - 1) >> 1;
                if (!TOrder.Before(environment, heap[parent]))
                {
                    break;
                }

                heap[index] = heap[parent];
                index = parent;
            }

            heap[index] = environment;
        }

        private static void SiftDown(ExecutionEnvironment[] heap, int count, int index, in ExecutionEnvironment environment)
        {
            while (true)
            {
                var child = (2 * index) + 1;
                if (child >= count)
                {
                    break;
                }

                if (child + 1 < count && TOrder.Before(heap[child + 1], heap[child]))
                {
                    child++;
                }

                if (!TOrder.Before(heap[child], environment))
                {
                    break;
                }

                heap[index] = heap[child];
                index = child;
            }

            heap[index] = environment;
        }
    }
}
