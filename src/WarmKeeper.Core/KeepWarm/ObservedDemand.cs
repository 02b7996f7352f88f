using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Observations;

namespace WarmKeeper.Core.KeepWarm;

/// <summary>
/// The demand history the agent's deciders read (<see cref="IDemandHistory"/>), built from the
/// observations a driver hands a keep-warm policy, through the agent's own per-second <see cref="DemandSeries"/>.
/// </summary>
/// <remarks>
/// As in the agent, an invocation is credited when it completes (its start, init and duration are known then),
/// and a throttle when it is refused. In-flight at start is counted from the arrivals seen before it, so the policy
/// must ask for <see cref="KeepWarmInterest.Arrivals"/> and <see cref="KeepWarmInterest.Completions"/>.
/// </remarks>
public sealed class ObservedDemand
{
    private readonly IReadOnlyList<KeepWarmFunction> _functions;
    private readonly DateTimeOffset _origin;
    private readonly string _target;
    private readonly DemandSeries[] _series;
    private readonly int[] _inFlight;
    private readonly Dictionary<long, int>[] _inFlightAtArrival;

    /// <summary>Creates empty histories for the context's functions, each keeping <paramref name="span"/> of per-second detail.</summary>
    public ObservedDemand(KeepWarmContext context, TimeSpan? span = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var functions = context.Functions;
        _functions = functions;
        _origin = context.Origin;
        _target = context.Target;
        _series = [.. functions.Select(_ => new DemandSeries(span ?? TimeSpan.FromHours(1), _origin))];
        _inFlight = new int[functions.Count];
        _inFlightAtArrival = [.. functions.Select(_ => new Dictionary<long, int>())];
    }

    /// <summary>User invocations of a function running now, as the observations tell.</summary>
    public int InFlight(int function) => _inFlight[function];

    /// <summary>One function's history as the deciders read it.</summary>
    public IDemandHistory For(int function) => new View(_series[function]);

    /// <summary>Takes one observation; pings are not demand and are ignored.</summary>
    public void Observe(in KeepWarmObservation observation)
    {
        var function = observation.FunctionIndex;
        switch (observation.Kind)
        {
            case ObservationKind.InvocationArrived:
            {
                var inFlight = ++_inFlight[function];
                var atArrival = _inFlightAtArrival[function];
                atArrival[observation.ArrivalMs] = Math.Max(inFlight, atArrival.GetValueOrDefault(observation.ArrivalMs));
                break;
            }

            case ObservationKind.InvocationCompleted:
            {
                _inFlight[function] = Math.Max(0, _inFlight[function] - 1);
                var atArrival = _inFlightAtArrival[function];
                atArrival.Remove(observation.ArrivalMs, out var inFlightAtStart);
                if (_inFlight[function] == 0)
                {
                    atArrival.Clear();
                }

                var run = TimeSpan.FromMilliseconds(observation.DurationMs);
                var init = observation.Start == StartKind.Cold
                    ? TimeSpan.FromMilliseconds(Math.Max(0, observation.ObservedAtMs - observation.ArrivalMs - observation.DurationMs))
                    : TimeSpan.Zero;
                _series[function].Record(Invocation(function, observation.ArrivalMs) with
                {
                    Start = observation.Start == StartKind.Cold ? InvocationStart.Cold : InvocationStart.Warm,
                    Provisioned = observation.Start == StartKind.Provisioned,
                    InitDuration = init,
                    RunDuration = run,
                    InFlightAtStart = Math.Max(1, inFlightAtStart),
                });
                break;
            }

            case ObservationKind.InvocationThrottled:
                _series[function].Record(Invocation(function, observation.ArrivalMs) with { Throttled = true });
                break;
        }
    }

    private InvocationObserved Invocation(int function, long arrivalMs) => new()
    {
        Source = _target,
        RequestId = string.Empty,
        FunctionName = _functions[function].Name,
        InvocationType = "RequestResponse",
        StartedAt = _origin.AddMilliseconds(arrivalMs),
    };

    private sealed class View(DemandSeries series) : IDemandHistory
    {
        public DemandSummary Summarize(DateTimeOffset from, DateTimeOffset to) => series.Summarize(from, to);
    }
}
