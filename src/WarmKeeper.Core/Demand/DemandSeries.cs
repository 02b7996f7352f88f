using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using WarmKeeper.Core.Observations;

namespace WarmKeeper.Core.Demand;

/// <summary>
/// Demand of one function (and qualifier) at one-second resolution for a bounded recent span, in a
/// ring: a slot is reused for the second one ring-length later. Fed by completed invocations (their
/// start and duration), so the seconds an invocation spanned are credited when it ends.
/// Not thread-safe: <see cref="DemandRecorder"/> serializes access.
/// </summary>
public sealed class DemandSeries
{
    private readonly Second[] _ring;

    /// <summary>Second zero of the ring's indexing: one ring-length before observation began, so that demand learned later about earlier seconds (CloudWatch) has room.</summary>
    private readonly long _originUnixSeconds;
    private long _latestOffset;

    /// <summary>From when on seconds are known (observation start, moved earlier by aggregates that cover earlier seconds).</summary>
    private long _coveredFromUnixSeconds;

    private DemandSeries(DemandSeries original)
    {
        _ring = (Second[])original._ring.Clone();
        _originUnixSeconds = original._originUnixSeconds;
        _latestOffset = original._latestOffset;
        _coveredFromUnixSeconds = original._coveredFromUnixSeconds;
        FirstObservedAt = original.FirstObservedAt;
    }

    /// <param name="span">How far back one-second detail is kept.</param>
    /// <param name="origin">When observation began: every second from then on is known (empty unless recorded).</param>
    public DemandSeries(TimeSpan span, DateTimeOffset origin)
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
            slot.AddInFlightMs(Math.Max(0, to - from));
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
            slot.AtLeastInFlightMs(maxConcurrency * 1000L);
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
        var covered = last - first;
        var max = 0;
        double inFlightMs = 0, sumOfMax = 0;
        int arrivals = 0, colds = 0, throttles = 0;
        var ring = _ring;
        var index = (int)((first - _originUnixSeconds) % ring.Length);
        for (var epoch = first - _originUnixSeconds + 1; epoch <= last - _originUnixSeconds; epoch++)
        {
            ref readonly var slot = ref ring[index];
            index = index == ring.Length - 1 ? 0 : index + 1;
            if (slot.Epoch != epoch)
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

        return new DemandSummary(TimeSpan.FromSeconds(covered), max, inFlightMs / (covered * 1000.0), sumOfMax / covered, arrivals, colds, throttles);
    }

    /// <summary>A copy with the same seconds and coverage, recorded into separately from now on.</summary>
    internal DemandSeries Clone() => new(this);

    private ref Second Slot(long unixSecond)
    {
        var offset = unixSecond - _originUnixSeconds;
        if (offset < 0 || offset <= _latestOffset - _ring.Length || offset >= uint.MaxValue)
        {
            // Before observation began, or older than the ring holds: crediting it would clobber a newer
            // second (or, past the year 2150, beyond what a slot's epoch can tell).
            return ref Unsafe.NullRef<Second>();
        }

        _latestOffset = Math.Max(_latestOffset, offset);

        ref var slot = ref _ring[(int)(offset % _ring.Length)];
        if (slot.Epoch != offset + 1)
        {
            // First use of this slot for that second: forget what it held a ring-length ago.
            slot = new Second { Epoch = (uint)(offset + 1) };
        }

        return ref slot;
    }

    /// <summary>One second of demand: 24 bytes (a ring of an hour is 84 KiB).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Second
    {
        /// <summary>Seconds since the origin, plus one (zero: never used); 32 bits last 136 years.</summary>
        public uint Epoch;

        /// <summary>Milliseconds of invocations running within the second, summed; saturates at 2.1 million running on average, far beyond any account's concurrency.</summary>
        public int InFlightMs;
        public int MaxInFlight;
        public int Arrivals;
        public int ColdStarts;
        public int Throttles;

        public void AddInFlightMs(long milliseconds) => InFlightMs = Saturate(InFlightMs + milliseconds);

        public void AtLeastInFlightMs(long milliseconds) => InFlightMs = Saturate(Math.Max(InFlightMs, milliseconds));

        private static int Saturate(long value) => (int)Math.Min(value, int.MaxValue);
    }
}
