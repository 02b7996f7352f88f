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
/// <remarks>
/// A function invoked under one qualifier only (most are) has the same demand as a whole as under
/// that qualifier, so both keys share one series until a second qualifier or an aggregate for
/// either key makes them differ; then the whole gets a copy of its own. Either way each key reads
/// exactly what a series of its own would hold.
/// </remarks>
public sealed class DemandRecorder : IInvocationObserver
{
    private readonly ConcurrentDictionary<DemandKey, DemandSeries> _series = new();

    /// <summary>Held to add series and to give a shared whole its own copy (never while recording).</summary>
    private readonly Lock _structure = new();

    /// <summary>The wholes that share their one qualifier's series, and that qualifier.</summary>
    private readonly ConcurrentDictionary<DemandKey, DemandKey> _sharedWith = new();
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

    /// <summary>Bytes held by all series (a series two keys share counted once).</summary>
    /// <remarks>
    /// Not by telling series apart by reference: hashing an object by identity stores the hash in its
    /// header, and every lock taken on it afterwards (each summary) goes through a sync block, slower.
    /// </remarks>
    public long ApproximateBytes => _series.Where(p => !_sharedWith.ContainsKey(p.Key)).Sum(p => (long)p.Value.ApproximateBytes);

    public void OnInvocation(InvocationObserved invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        if (invocation.AgentPing)
        {
            // The agent's own pings hold environments warm; counted as demand they would scale up for themselves.
            return;
        }

        var qualifier = invocation.Qualifier ?? invocation.ExecutedVersion ?? "$LATEST";
        var key = new DemandKey(invocation.Source, invocation.FunctionName, qualifier);
        var whole = key with { Qualifier = DemandKey.AnyQualifier };
        while (!TryRecord(key, whole, invocation))
        {
            Add(key, whole);
        }
    }

    /// <summary>Credits demand known only in aggregate (CloudWatch minutes of a function the agent does not front).</summary>
    public void RecordAggregate(DemandKey key, DateTimeOffset start, TimeSpan length, int maxConcurrency, int arrivals, int throttles)
    {
        DemandSeries series;
        lock (_structure)
        {
            // Credited to this key alone: a whole that shares this key's series (or is this key) needs its own copy first.
            var whole = key with { Qualifier = DemandKey.AnyQualifier };
            if (_sharedWith.TryGetValue(whole, out var sharer) && (key.Equals(whole) || key.Equals(sharer)))
            {
                Separate(whole);
            }

            series = _series.GetOrAdd(key, static (_, recorder) => recorder.NewSeries(), this);
        }

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

    private DemandSeries NewSeries() => new(_span, StartedAt);

    /// <summary>
    /// Records an invocation under its qualifier and its function's whole, once when they share a
    /// series; false when either is missing or the whole must first stop sharing another qualifier's.
    /// </summary>
    private bool TryRecord(DemandKey key, DemandKey whole, InvocationObserved invocation)
    {
        if (!_series.TryGetValue(key, out var series) || !_series.TryGetValue(whole, out var all))
        {
            return false;
        }

        if (ReferenceEquals(all, series))
        {
            lock (series)
            {
                // Still shared (a copy is made only holding this lock): once counts for both keys.
                if (ReferenceEquals(_series[whole], series))
                {
                    series.Record(invocation);
                    return true;
                }
            }

            return TryRecord(key, whole, invocation);
        }

        lock (all)
        {
            if (!ReferenceEquals(_series[whole], all))
            {
                return TryRecord(key, whole, invocation);
            }

            if (_sharedWith.ContainsKey(whole))
            {
                return false; // the whole is another qualifier's series: Add separates them
            }

            all.Record(invocation);
        }

        lock (series)
        {
            series.Record(invocation);
        }

        return true;
    }

    /// <summary>
    /// Makes the series of <paramref name="key"/> and <paramref name="whole"/> that are missing: one
    /// shared series when the function is new; else each its own (the whole stops sharing another qualifier's).
    /// </summary>
    private void Add(DemandKey key, DemandKey whole)
    {
        lock (_structure)
        {
            var hasKey = _series.ContainsKey(key);
            var hasWhole = _series.ContainsKey(whole);
            if (!hasKey && !hasWhole)
            {
                var series = NewSeries();
                _sharedWith[whole] = key; // before the whole is seen: a reader that sees the series sees this
                _series[whole] = series;
                _series[key] = series;
                return;
            }

            if (_sharedWith.TryGetValue(whole, out var sharer) && !sharer.Equals(key))
            {
                Separate(whole);
            }

            if (!hasKey)
            {
                _series[key] = NewSeries();
            }

            if (!hasWhole)
            {
                // The qualifier was known from aggregates alone: the whole starts from nothing, as it would on its own.
                _series[whole] = NewSeries();
            }
        }
    }

    /// <summary>
    /// Gives <paramref name="whole"/> a copy of the series it shares (under <see cref="_structure"/>),
    /// holding that series so that no invocation is recorded into one of them only.
    /// </summary>
    private void Separate(DemandKey whole)
    {
        var shared = _series[whole];
        lock (shared)
        {
            _series[whole] = shared.Clone();
            _sharedWith.TryRemove(whole, out _);
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed class View(DemandRecorder recorder, DemandKey key) : IDemandHistory
    {
        public DemandSummary Summarize(DateTimeOffset from, DateTimeOffset to) => recorder.Summarize(key, from, to);
    }
}
