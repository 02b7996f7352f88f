using WarmKeeper.Core.KeepWarm;

namespace WarmKeeper.Core.Simulation;

/// <summary>
/// The mutable state of one simulation run; see <see cref="PlatformSimulator"/> for the model. This part is the event
/// loop (arrivals, due observations, timers, provisioning that becomes ready, in <see cref="EventKind"/> order); the
/// levers the policy pulls are in PlatformRun.Levers.cs, routing to environments in PlatformRun.Routing.cs, a
/// function's environments in PlatformRun.Environments.cs and the counts and cost in PlatformRun.Result.cs.
/// </summary>
internal sealed partial class PlatformRun
{
    /// <summary>Steps (arrivals, observations, timers) between two looks at the cancellation token; a power of two.</summary>
    internal const int CancellationCheckInterval = 4096;

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
        var steps = 0L;
        while (true)
        {
            // Every step counts (timers and observations too): a policy can wake often between two arrivals, or long
            // after the last one. A check every 4,096 steps costs nothing measurable and stops a run within about a
            // millisecond of its caller giving up.
            if ((steps++ & (CancellationCheckInterval - 1)) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

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

            Arrive(invocations[next]);
            next++;
        }

        return BuildResult(policyName);
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
}
