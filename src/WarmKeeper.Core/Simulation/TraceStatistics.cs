namespace WarmKeeper.Core.Simulation;

/// <summary>Facts computed from a whole trace: oracles for reference policies, never available to a real policy.</summary>
public static class TraceStatistics
{
    /// <summary>
    /// Each function's peak concurrency: the most of its invocations overlapping in time, each occupying
    /// [t, t + duration), so one ending at the instant another starts does not overlap it (init is not counted).
    /// </summary>
    public static int[] PeakConcurrency(DemandTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var peaks = new int[trace.Functions.Count];
        var running = new PriorityQueue<long, long>[trace.Functions.Count];
        for (var i = 0; i < running.Length; i++)
        {
            running[i] = new PriorityQueue<long, long>();
        }

        foreach (var invocation in trace.Invocations)
        {
            if (invocation.DurationMs == 0)
            {
                // An empty interval overlaps nothing.
                continue;
            }

            var ends = running[invocation.FunctionIndex];
            while (ends.TryPeek(out var end, out _) && end <= invocation.TimeMs)
            {
                ends.Dequeue();
            }

            var finish = invocation.TimeMs + invocation.DurationMs;
            ends.Enqueue(finish, finish);
            if (ends.Count > peaks[invocation.FunctionIndex])
            {
                peaks[invocation.FunctionIndex] = ends.Count;
            }
        }

        return peaks;
    }
}
