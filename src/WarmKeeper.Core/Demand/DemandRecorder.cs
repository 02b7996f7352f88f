using System.Collections.Concurrent;
using WarmKeeper.Core.Observations;

namespace WarmKeeper.Core.Demand;

/// <summary>Identifies whose demand: a function on a target, under the qualifier it was invoked with.</summary>
public readonly record struct DemandKey(string Target, string Function, string Qualifier)
{
    public const string AnyQualifier = "*";
}

/// <summary>
/// Keeps the recent per-second demand of every function it hears about, per qualifier and for the
/// function as a whole (<see cref="DemandKey.AnyQualifier"/>). Observation starts when the recorder
/// is made: from then on, silence is known to be zero demand; before, nothing is known.
/// </summary>
public sealed class DemandRecorder : IInvocationObserver
{
    private readonly ConcurrentDictionary<DemandKey, DemandSeries> _series = new();
    private readonly TimeSpan _span;
    private readonly TimeProvider _timeProvider;

    public DemandRecorder(TimeProvider timeProvider, TimeSpan? span = null)
    {
        _timeProvider = timeProvider;
        _span = span ?? TimeSpan.FromHours(1);
        StartedAt = timeProvider.GetUtcNow();
    }

    public DateTimeOffset StartedAt { get; }

    public int SeriesCount => _series.Count;

    /// <summary>Every key heard about so far.</summary>
    public IReadOnlyCollection<DemandKey> Keys => (IReadOnlyCollection<DemandKey>)_series.Keys;

    /// <summary>Bytes held by all series.</summary>
    public long ApproximateBytes => _series.Values.Sum(s => (long)s.ApproximateBytes);

    public void OnInvocation(InvocationObserved invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var qualifier = invocation.Qualifier ?? invocation.ExecutedVersion ?? "$LATEST";
        Record(new DemandKey(invocation.Source, invocation.FunctionName, qualifier), invocation);
        Record(new DemandKey(invocation.Source, invocation.FunctionName, DemandKey.AnyQualifier), invocation);
    }

    /// <summary>Credits demand known only in aggregate (CloudWatch minutes of a function the agent does not front).</summary>
    public void RecordAggregate(DemandKey key, DateTimeOffset start, TimeSpan length, int maxConcurrency, int arrivals, int throttles)
    {
        var series = _series.GetOrAdd(key, static (_, state) => new DemandSeries(state._span, state.StartedAt), this);
        lock (series)
        {
            series.RecordAggregate(start, length, maxConcurrency, arrivals, throttles);
        }
    }

    public DemandSummary Summarize(DemandKey key, DateTimeOffset from, DateTimeOffset to)
    {
        if (_series.TryGetValue(key, out var series))
        {
            lock (series)
            {
                return series.Summarize(from, to);
            }
        }

        // Never invoked since observation began: known to be idle over the observed part.
        var start = from < StartedAt ? StartedAt : from;
        var end = Min(to, _timeProvider.GetUtcNow());
        var observed = end - start;
        var covered = TimeSpan.FromSeconds(Math.Min(Math.Floor(observed.TotalSeconds), _span.TotalSeconds));
        return covered > TimeSpan.Zero ? new DemandSummary(covered, 0, 0, 0, 0, 0, 0) : DemandSummary.None;
    }

    /// <summary>The demand of one key as an <see cref="IDemandHistory"/>, for a decider.</summary>
    public IDemandHistory For(DemandKey key) => new View(this, key);

    private void Record(DemandKey key, InvocationObserved invocation)
    {
        var series = _series.GetOrAdd(key, static (_, state) => new DemandSeries(state._span, state.StartedAt), this);
        lock (series)
        {
            series.Record(invocation);
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed class View(DemandRecorder recorder, DemandKey key) : IDemandHistory
    {
        public DemandSummary Summarize(DateTimeOffset from, DateTimeOffset to) => recorder.Summarize(key, from, to);
    }
}
