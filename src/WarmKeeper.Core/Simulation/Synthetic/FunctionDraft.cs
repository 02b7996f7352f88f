using System.Globalization;

namespace WarmKeeper.Core.Simulation.Synthetic;

/// <summary>
/// One function while an <see cref="Archetype"/> draws it: its settings and the arrival processes that fill it.
/// Settings start at generic draws (memory from 128-2048 MB, init 20-1200 ms, log-normal durations) that an
/// archetype overrides where its kind of function differs.
/// </summary>
/// <remarks>
/// Arrival times are half-open: a process over [from, to) adds arrivals at or after <c>from</c> and before <c>to</c>;
/// arrivals outside [0, <see cref="HorizonMs"/>] are dropped. Durations not given explicitly are drawn when the draft is
/// finished, in time order, from the log-normal of <see cref="DurationMedianMs"/> and <see cref="DurationSigma"/>.
/// </remarks>
public sealed class FunctionDraft
{
    /// <summary>Memory sizes a function may have, in MB.</summary>
    public static IReadOnlyList<int> MemorySizes { get; } = [128, 256, 512, 1024, 2048];

    /// <summary>The smallest init a drawn function has, in ms.</summary>
    public const int MinInitMs = 20;

    /// <summary>The largest init a drawn function has, in ms.</summary>
    public const int MaxInitMs = 1200;

    /// <summary>The longest duration drawn, in ms (Lambda's own limit is 15 minutes).</summary>
    public const int MaxDurationMs = 900_000;

    // Small functions are the common case in production; large ones are mostly batch work.
    private static readonly (int Item, double Weight)[] MemoryWeights = [(128, 0.28), (256, 0.30), (512, 0.22), (1024, 0.13), (2048, 0.07)];

    private readonly List<(long TimeMs, int DurationMs)> _arrivals = [];
    private readonly List<string> _notes = [];

    /// <summary>Creates a draft with generic settings drawn from <paramref name="random"/>.</summary>
    /// <param name="archetype">The archetype's name, which is also the function's name until changed.</param>
    /// <param name="random">The function's own random stream.</param>
    /// <param name="horizonMs">The end of the trace.</param>
    public FunctionDraft(string archetype, SyntheticRandom random, long horizonMs = DemandTrace.HorizonMs)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(archetype);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(horizonMs);
        Archetype = archetype;
        Name = archetype;
        Random = random;
        HorizonMs = horizonMs;
        MemoryMb = random.PickWeighted(MemoryWeights);
        InitMs = DrawInit(MinInitMs, MaxInitMs);
        DurationMedianMs = random.LogUniform(50, 500);
        DurationSigma = random.Uniform(0.3, 0.8);
    }

    /// <summary>The archetype that draws this function.</summary>
    public string Archetype { get; }

    /// <summary>The function's own random stream: every draw of the archetype comes from it.</summary>
    public SyntheticRandom Random { get; }

    /// <summary>The end of the trace, in ms.</summary>
    public long HorizonMs { get; }

    /// <summary>The function's name (made unique by the builder when a trace holds it twice).</summary>
    public string Name { get; set; }

    /// <summary>Configured memory in MB.</summary>
    public int MemoryMb { get; set; }

    /// <summary>Init time of a cold start, in ms.</summary>
    public int InitMs { get; set; }

    /// <summary>Median of the log-normal handler durations, in ms.</summary>
    public double DurationMedianMs { get; set; }

    /// <summary>Standard deviation of the durations' logarithm (0.3 is tight, 0.8 is wide).</summary>
    public double DurationSigma { get; set; }

    /// <summary>Arrivals added so far (before those outside the horizon are dropped).</summary>
    public int Count => _arrivals.Count;

    /// <summary>Records a drawn parameter, shown in <see cref="SyntheticFunction.Parameters"/> so a trace explains itself.</summary>
    public void Note(FormattableString text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _notes.Add(text.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Draws a memory size from <paramref name="sizes"/>, uniformly.</summary>
    public int DrawMemory(params int[] sizes) => Random.Pick(sizes);

    /// <summary>Draws an init time, uniform in [<paramref name="minMs"/>, <paramref name="maxMs"/>].</summary>
    public int DrawInit(int minMs, int maxMs) => Random.Next(minMs, maxMs + 1);

    /// <summary>Sets the durations' log-normal: median log-uniform in the range, sigma uniform in the other.</summary>
    public void DrawDurations(double minMedianMs, double maxMedianMs, double minSigma = 0.3, double maxSigma = 0.8)
    {
        DurationMedianMs = Random.LogUniform(minMedianMs, maxMedianMs);
        DurationSigma = Random.Uniform(minSigma, maxSigma);
    }

    /// <summary>One arrival with a drawn duration.</summary>
    public void Arrive(long timeMs) => _arrivals.Add((timeMs, -1));

    /// <summary>One arrival with the given duration.</summary>
    public void Arrive(long timeMs, int durationMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(durationMs);
        _arrivals.Add((timeMs, durationMs));
    }

    /// <summary>A homogeneous Poisson process over [<paramref name="fromMs"/>, <paramref name="toMs"/>): exponential gaps, CV 1.</summary>
    /// <param name="meanGapMs">The mean gap between arrivals.</param>
    /// <param name="fromMs">Start of the interval.</param>
    /// <param name="toMs">End of the interval (exclusive).</param>
    public void Poisson(double meanGapMs, long fromMs, long toMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(meanGapMs);
        for (var t = fromMs + Random.Exponential(meanGapMs); t < toMs; t += Random.Exponential(meanGapMs))
        {
            Arrive((long)t);
        }
    }

    /// <summary>
    /// A non-homogeneous Poisson process by thinning (Lewis and Shedler): candidates at <paramref name="peakMeanGapMs"/>,
    /// each kept with probability <paramref name="shape"/>(t), which must lie in [0, 1].
    /// </summary>
    /// <param name="peakMeanGapMs">The mean gap where the shape is 1.</param>
    /// <param name="shape">The rate relative to the peak, at a time.</param>
    /// <param name="fromMs">Start of the interval.</param>
    /// <param name="toMs">End of the interval (exclusive).</param>
    public void Modulated(double peakMeanGapMs, Func<long, double> shape, long fromMs, long toMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(peakMeanGapMs);
        ArgumentNullException.ThrowIfNull(shape);
        for (var t = fromMs + Random.Exponential(peakMeanGapMs); t < toMs; t += Random.Exponential(peakMeanGapMs))
        {
            if (Random.NextDouble() < shape((long)t))
            {
                Arrive((long)t);
            }
        }
    }

    /// <summary>Heavy-tailed gaps: a renewal process with Pareto gaps of the given mean and shape (CV above 1).</summary>
    public void HeavyTailed(double meanGapMs, double shape, long fromMs, long toMs)
    {
        for (var t = fromMs + Random.Pareto(meanGapMs, shape); t < toMs; t += Random.Pareto(meanGapMs, shape))
        {
            Arrive((long)t);
        }
    }

    /// <summary>
    /// A timer: one arrival at <paramref name="phaseMs"/> + k × <paramref name="periodMs"/> for every k that falls in
    /// [<paramref name="fromMs"/>, <paramref name="toMs"/>), each late by a uniform jitter in [0, <paramref name="jitterMs"/>).
    /// </summary>
    public void Periodic(long periodMs, long phaseMs, long jitterMs, long fromMs, long toMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(periodMs);
        ArgumentOutOfRangeException.ThrowIfNegative(jitterMs);
        var first = phaseMs >= fromMs ? phaseMs : phaseMs + ((fromMs - phaseMs + periodMs - 1) / periodMs * periodMs);
        for (var t = first; t < toMs; t += periodMs)
        {
            Arrive(t + (jitterMs == 0 ? 0 : (long)Random.Uniform(0, jitterMs)));
        }
    }

    /// <summary><paramref name="count"/> arrivals within <paramref name="spreadMs"/> of <paramref name="atMs"/> (all at once when the spread is 0).</summary>
    public void Burst(long atMs, int count, double spreadMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(spreadMs);
        for (var i = 0; i < count; i++)
        {
            Arrive(atMs + (long)Random.Uniform(0, spreadMs));
        }
    }

    /// <summary>The finished function: arrivals sorted and inside the horizon, every duration drawn.</summary>
    public SyntheticFunction Finish()
    {
        var kept = _arrivals.Where(a => a.TimeMs >= 0 && a.TimeMs <= HorizonMs).OrderBy(a => a.TimeMs).ToArray();
        var times = new long[kept.Length];
        var durations = new int[kept.Length];
        for (var i = 0; i < kept.Length; i++)
        {
            times[i] = kept[i].TimeMs;
            durations[i] = kept[i].DurationMs >= 0
                ? kept[i].DurationMs
                : (int)Math.Clamp(Math.Round(Random.LogNormal(DurationMedianMs, DurationSigma)), 1, MaxDurationMs);
        }

        var settings = string.Create(CultureInfo.InvariantCulture, $"{MemoryMb} MB, init {InitMs} ms, duration median {DurationMedianMs:0} ms σ {DurationSigma:0.00}");
        return new SyntheticFunction(new TraceFunction(Name, MemoryMb, InitMs), Archetype, string.Join("; ", [.. _notes, settings]), times, durations);
    }
}

/// <summary>A generated function: its settings and its invocations, sorted by time.</summary>
/// <param name="Function">Name, memory and init, as the trace holds them.</param>
/// <param name="Archetype">The archetype that drew it.</param>
/// <param name="Parameters">What the seed drew for it (rates, periods, spikes), for reports.</param>
/// <param name="TimesMs">Arrival times, sorted.</param>
/// <param name="DurationsMs">Handler durations, one per arrival.</param>
public sealed record SyntheticFunction(TraceFunction Function, string Archetype, string Parameters, long[] TimesMs, int[] DurationsMs)
{
    /// <summary>Number of invocations.</summary>
    public int Count => TimesMs.Length;
}
