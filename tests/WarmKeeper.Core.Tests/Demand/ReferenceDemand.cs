using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Observations;

namespace WarmKeeper.Core.Tests.Demand;

// DemandRecorder and DemandSeries as they were before series shrank to 24-byte seconds and a
// function's whole shared its one qualifier's series (commit 0e0ccd5), kept verbatim as the
// reference the new ones must equal.

/// <summary>
/// Keeps the recent per-second demand of every function it hears about, per qualifier and for the
/// function as a whole (<see cref="DemandKey.AnyQualifier"/>). Observation starts when the recorder
/// is made: from then on, silence is known to be zero demand; before, nothing is known.
/// </summary>
internal sealed class ReferenceDemandRecorder
{
    private readonly ConcurrentDictionary<DemandKey, ReferenceDemandSeries> _series = new();
    private readonly TimeSpan _span;
    private readonly TimeProvider _timeProvider;

    public ReferenceDemandRecorder(TimeProvider timeProvider, TimeSpan? span = null)
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
        var series = _series.GetOrAdd(key, static (_, state) => new ReferenceDemandSeries(state._span, state.StartedAt), this);
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
        var series = _series.GetOrAdd(key, static (_, state) => new ReferenceDemandSeries(state._span, state.StartedAt), this);
        lock (series)
        {
            series.Record(invocation);
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed class View(ReferenceDemandRecorder recorder, DemandKey key) : IDemandHistory
    {
        public DemandSummary Summarize(DateTimeOffset from, DateTimeOffset to) => recorder.Summarize(key, from, to);
    }
}

/// <summary>
/// Demand of one function (and qualifier) at one-second resolution for a bounded recent span, in a
/// ring: a slot is reused for the second one ring-length later. Fed by completed invocations (their
/// start and duration), so the seconds an invocation spanned are credited when it ends.
/// Not thread-safe: <see cref="DemandRecorder"/> serializes access.
/// </summary>
internal sealed class ReferenceDemandSeries
{
    private readonly Second[] _ring;

    /// <summary>Second zero of the ring's indexing: one ring-length before observation began, so that demand learned later about earlier seconds (CloudWatch) has room.</summary>
    private readonly long _originUnixSeconds;
    private long _latestOffset;

    /// <summary>From when on seconds are known (observation start, moved earlier by aggregates that cover earlier seconds).</summary>
    private long _coveredFromUnixSeconds;

    /// <param name="span">How far back one-second detail is kept.</param>
    /// <param name="origin">When observation began: every second from then on is known (empty unless recorded).</param>
    public ReferenceDemandSeries(TimeSpan span, DateTimeOffset origin)
    {
        _ring = new Second[Math.Max(60, (int)span.TotalSeconds)];
        _coveredFromUnixSeconds = origin.ToUnixTimeSeconds();
        _originUnixSeconds = _coveredFromUnixSeconds - _ring.Length;
        _latestOffset = _ring.Length;
        FirstObservedAt = origin;
    }

    /// <summary>The span the ring holds.</summary>
    public TimeSpan Span => TimeSpan.FromSeconds(_ring.Length);

    public DateTimeOffset FirstObservedAt { get; }

    /// <summary>Bytes this series keeps (for the memory figures in the benchmarks).</summary>
    public int ApproximateBytes => _ring.Length * Marshal.SizeOf<Second>();

    /// <summary>Credits one completed (or throttled) invocation.</summary>
    public void Record(InvocationObserved invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var startMs = invocation.StartedAt.ToUnixTimeMilliseconds();
        ref var arrival = ref Slot(startMs / 1000);
        if (Unsafe.IsNullRef(ref arrival))
        {
            return;
        }

        if (invocation.Throttled)
        {
            arrival.Throttles++;
            return;
        }

        arrival.Arrivals++;
        if (invocation.Start == InvocationStart.Cold)
        {
            arrival.ColdStarts++;
        }

        arrival.MaxInFlight = Math.Max(arrival.MaxInFlight, Math.Max(1, invocation.InFlightAtStart));

        // Spread the time it ran over the seconds it covered, for the time-weighted mean.
        var endMs = startMs + (long)(invocation.InitDuration + invocation.RunDuration).TotalMilliseconds;
        for (var s = startMs / 1000; s * 1000 < endMs || s == startMs / 1000; s++)
        {
            ref var slot = ref Slot(s);
            if (Unsafe.IsNullRef(ref slot))
            {
                continue;
            }

            var from = Math.Max(startMs, s * 1000);
            var to = Math.Min(endMs, (s + 1) * 1000);
            slot.InFlightMs += Math.Max(0, to - from);
            if (s != startMs / 1000)
            {
                // Still running in this second: at least one in flight.
                slot.MaxInFlight = Math.Max(slot.MaxInFlight, 1);
            }
        }
    }

    /// <summary>
    /// Credits a span known only in aggregate (a CloudWatch minute): its peak concurrency held over
    /// every second of it (the conservative reading for scaling), its arrivals and throttles on its first second.
    /// </summary>
    public void RecordAggregate(DateTimeOffset start, TimeSpan length, int maxConcurrency, int arrivals, int throttles)
    {
        var first = start.ToUnixTimeSeconds();
        var seconds = Math.Max(1, (long)length.TotalSeconds);
        _coveredFromUnixSeconds = Math.Max(Math.Min(_coveredFromUnixSeconds, first), _originUnixSeconds);
        for (var s = first; s < first + seconds; s++)
        {
            ref var slot = ref Slot(s);
            if (Unsafe.IsNullRef(ref slot))
            {
                continue;
            }

            slot.MaxInFlight = Math.Max(slot.MaxInFlight, maxConcurrency);
            slot.InFlightMs = Math.Max(slot.InFlightMs, maxConcurrency * 1000L);
            if (s == first)
            {
                slot.Arrivals += arrivals;
                slot.Throttles += throttles;
            }
        }
    }

    /// <summary>Summarizes whole seconds in [from, to); seconds outside the ring are unknown.</summary>
    public DemandSummary Summarize(DateTimeOffset from, DateTimeOffset to)
    {
        var first = Math.Max(from.ToUnixTimeSeconds(), _coveredFromUnixSeconds);
        var last = to.ToUnixTimeSeconds();
        if (last <= first)
        {
            return DemandSummary.None;
        }

        // Seconds older than the ring holds are forgotten, not empty.
        first = Math.Max(first, last - _ring.Length);
        long covered = 0;
        var max = 0;
        double inFlightMs = 0, sumOfMax = 0;
        int arrivals = 0, colds = 0, throttles = 0;
        for (var s = first; s < last; s++)
        {
            covered++;
            ref readonly var slot = ref _ring[(int)((s - _originUnixSeconds) % _ring.Length)];
            if (slot.Epoch != s - _originUnixSeconds + 1)
            {
                continue; // observed, and nothing happened in that second
            }

            // A second's peak is at least what its time-weighted load implies.
            var peak = Math.Max(slot.MaxInFlight, (int)Math.Ceiling(slot.InFlightMs / 1000.0 - 1e-9));
            max = Math.Max(max, peak);
            sumOfMax += peak;
            inFlightMs += slot.InFlightMs;
            arrivals += slot.Arrivals;
            colds += slot.ColdStarts;
            throttles += slot.Throttles;
        }

        return covered == 0
            ? DemandSummary.None
            : new DemandSummary(TimeSpan.FromSeconds(covered), max, inFlightMs / (covered * 1000.0), sumOfMax / covered, arrivals, colds, throttles);
    }

    private ref Second Slot(long unixSecond)
    {
        var offset = unixSecond - _originUnixSeconds;
        if (offset < 0 || offset <= _latestOffset - _ring.Length)
        {
            // Before observation began, or older than the ring holds: crediting it would clobber a newer second.
            return ref Unsafe.NullRef<Second>();
        }

        _latestOffset = Math.Max(_latestOffset, offset);

        ref var slot = ref _ring[(int)(offset % _ring.Length)];
        if (slot.Epoch != offset + 1)
        {
            // First use of this slot for that second: forget what it held a ring-length ago.
            slot = new Second { Epoch = offset + 1 };
        }

        return ref slot;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Second
    {
        /// <summary>Seconds since the origin, plus one (zero: never used).</summary>
        public long Epoch;
        public long InFlightMs;
        public int MaxInFlight;
        public int Arrivals;
        public int ColdStarts;
        public int Throttles;
    }
}
