using System.Collections.Concurrent;
using WarmKeeper.Core.Observations;
using WarmKeeper.Core.Simulation;

namespace WarmKeeper.Agent.Simulation;

/// <summary>One invocation as the log keeps it.</summary>
/// <param name="StartedAt">When it arrived.</param>
/// <param name="RunMs">Handler duration (excluding init).</param>
/// <param name="InitMs">Init paid (cold starts only).</param>
/// <param name="Throttled">Refused for lack of concurrency.</param>
public readonly record struct LoggedInvocation(DateTimeOffset StartedAt, int RunMs, int InitMs, bool Throttled);

/// <summary>
/// The last invocations of every function (a bounded ring per function), kept so that a what-if simulation can replay a
/// function's real demand: the demand recorder keeps only per-second aggregates, a replay needs each arrival and duration.
/// </summary>
public sealed class InvocationLog(int capacityPerFunction = InvocationLog.DefaultCapacity) : IInvocationObserver
{
    /// <summary>Invocations kept per function (about 2 MB at 24 bytes each).</summary>
    public const int DefaultCapacity = 100_000;

    private readonly ConcurrentDictionary<(string Target, string Function), Ring> _rings = new();
    private readonly int _capacity = capacityPerFunction > 0 ? capacityPerFunction : throw new ArgumentOutOfRangeException(nameof(capacityPerFunction));

    /// <inheritdoc />
    public void OnInvocation(InvocationObserved invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        // The agent's own pings are not demand to replay.
        if (invocation.InvocationType == "DryRun" || invocation.AgentPing)
        {
            return;
        }

        var ring = _rings.GetOrAdd((invocation.Source, invocation.FunctionName), _ => new Ring(_capacity));
        ring.Add(new LoggedInvocation(
            invocation.StartedAt,
            (int)Math.Clamp(invocation.RunDuration.TotalMilliseconds, 0, int.MaxValue),
            (int)Math.Clamp(invocation.InitDuration.TotalMilliseconds, 0, int.MaxValue),
            invocation.Throttled));
    }

    /// <summary>The function's invocations that arrived in [from, to), oldest first.</summary>
    public IReadOnlyList<LoggedInvocation> Window(string target, string function, DateTimeOffset from, DateTimeOffset to) =>
        _rings.TryGetValue((target, function), out var ring)
            ? [.. ring.Snapshot().Where(i => i.StartedAt >= from && i.StartedAt < to).OrderBy(i => i.StartedAt)]
            : [];

    /// <summary>
    /// A window of one function's recorded demand as a trace: arrivals relative to <paramref name="from"/>, the window's
    /// length as the trace's; throttled invocations are replayed too (with the median duration), since they were demand.
    /// </summary>
    public static DemandTrace ToTrace(string name, TraceFunction function, IReadOnlyList<LoggedInvocation> invocations, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(invocations);
        var ran = invocations.Where(i => !i.Throttled).Select(i => i.RunMs).Order().ToArray();
        var median = ran.Length == 0 ? 0 : ran[ran.Length / 2];
        var rows = invocations
            .Select(i => new TraceInvocation((long)(i.StartedAt - from).TotalMilliseconds, 0, i.Throttled ? median : i.RunMs))
            .OrderBy(i => i.TimeMs)
            .ToArray();
        return new DemandTrace(name, [function], rows, (long)(to - from).TotalMilliseconds);
    }

    private sealed class Ring(int capacity)
    {
        private readonly LoggedInvocation[] _items = new LoggedInvocation[capacity];
        private readonly Lock _gate = new();
        private int _next;
        private int _count;

        public void Add(LoggedInvocation item)
        {
            lock (_gate)
            {
                _items[_next] = item;
                _next = (_next + 1) % _items.Length;
                _count = Math.Min(_count + 1, _items.Length);
            }
        }

        public LoggedInvocation[] Snapshot()
        {
            lock (_gate)
            {
                var copy = new LoggedInvocation[_count];
                for (var i = 0; i < _count; i++)
                {
                    copy[i] = _items[(_next - _count + i + _items.Length) % _items.Length];
                }

                return copy;
            }
        }
    }
}
