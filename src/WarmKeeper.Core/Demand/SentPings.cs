using System.Collections.Concurrent;

namespace WarmKeeper.Core.Demand;

/// <summary>The agent's own pings of one function in one minute, as its pinger sent them.</summary>
/// <param name="Count">Pings sent in the minute.</param>
/// <param name="PeakInFlight">The most of them running at once (counted when each started).</param>
public readonly record struct SentPingMinute(int Count, int PeakInFlight);

/// <summary>
/// What the agent's pinger sent, per function and minute, so that demand read in aggregate from
/// the cloud (CloudWatch counts every invocation, pings included) can have the agent's own pings
/// taken out again. Demand observed call by call needs no ledger: each ping carries its proof.
/// Kept for <see cref="Retention"/>, longer than the cloud's metrics take to arrive.
/// </summary>
public sealed class SentPings(TimeProvider time)
{
    public static readonly TimeSpan Retention = TimeSpan.FromMinutes(30);

    private readonly ConcurrentDictionary<(string Target, string Function, string? Qualifier, long Minute), Minute> _minutes = new();
    private readonly ConcurrentDictionary<(string Target, string Function, string? Qualifier), int[]> _inFlight = new();
    private long _forgotAt = long.MinValue;

    /// <summary>Notes a ping about to be sent; dispose the answer when it has ended.</summary>
    /// <param name="function">The resolved function name (never an ARN).</param>
    /// <param name="qualifier">The qualifier it is sent with; null for none (<c>$LATEST</c>).</param>
    public IDisposable Started(string target, string function, string? qualifier)
    {
        var minute = time.GetUtcNow().ToUnixTimeSeconds() / 60 * 60;
        var counter = _inFlight.GetOrAdd((target, function, qualifier), static _ => new int[1]);
        var running = Interlocked.Increment(ref counter[0]);
        var entry = _minutes.GetOrAdd((target, function, qualifier, minute), static _ => new Minute());
        entry.Add(running);
        Forget(minute);
        return new Ending(counter);
    }

    /// <summary>
    /// The pings of <paramref name="function"/> that started in the minute beginning at <paramref name="minuteStart"/>:
    /// under <paramref name="qualifier"/>, or under any qualifier when it is null (as CloudWatch's
    /// function-wide metrics count them). The peak of a function-wide read adds the qualifiers' peaks: at most that many ran at once.
    /// </summary>
    public SentPingMinute In(string target, string function, string? qualifier, DateTimeOffset minuteStart)
    {
        var minute = minuteStart.ToUnixTimeSeconds() / 60 * 60;
        int count = 0, peak = 0;
        foreach (var (key, entry) in _minutes)
        {
            if (key.Minute == minute && key.Target == target && key.Function == function && (qualifier is null || key.Qualifier == qualifier))
            {
                var (c, p) = entry.Read();
                count += c;
                peak += p;
            }
        }

        return new SentPingMinute(count, peak);
    }

    private void Forget(long currentMinute)
    {
        // Once a minute is enough: nothing becomes old within one.
        var last = Interlocked.Exchange(ref _forgotAt, currentMinute);
        if (last == currentMinute)
        {
            return;
        }

        var oldest = currentMinute - (long)Retention.TotalSeconds;
        foreach (var key in _minutes.Keys)
        {
            if (key.Minute < oldest)
            {
                _minutes.TryRemove(key, out _);
            }
        }
    }

    private sealed class Minute
    {
        private readonly Lock _lock = new();
        private int _count;
        private int _peak;

        public void Add(int running)
        {
            lock (_lock)
            {
                _count++;
                _peak = Math.Max(_peak, running);
            }
        }

        public (int Count, int Peak) Read()
        {
            lock (_lock)
            {
                return (_count, _peak);
            }
        }
    }

    private sealed class Ending(int[] counter) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref counter[0]);
            }
        }
    }
}
