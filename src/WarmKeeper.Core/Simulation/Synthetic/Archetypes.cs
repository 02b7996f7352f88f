namespace WarmKeeper.Core.Simulation.Synthetic;

/// <summary>
/// The built-in archetypes, after the workload statistics of Shahrad et al., "Serverless in the Wild" (USENIX ATC
/// 2020): most functions are rare (45% at most once an hour, 81% at most once a minute), timers are regular (CV near 0),
/// many others are bursty (40% with inter-arrival CV above 1), load follows a daily cycle whose floor is about half its
/// peak, durations are log-normal. Every parameter named in a description is drawn by the seed from its range.
/// </summary>
public static class Archetypes
{
    private const long Second = 1000;
    private const long Minute = 60 * Second;
    private const long Hour = 60 * Minute;

    private static readonly long[] TimerPeriodsMinutes = [1, 5, 10, 15, 30, 60];

    /// <summary>A webhook called now and then: Poisson arrivals with a mean gap of 1.5-8 h.</summary>
    public static Archetype RareWebhook { get; } = new("rare-webhook", "Poisson arrivals, mean gap 1.5-8 h", d =>
    {
        d.DrawDurations(80, 800);
        var meanGap = d.Random.LogUniform(1.5 * Hour, 8 * Hour);
        d.Note($"Poisson, mean gap {meanGap / Hour:0.0} h");
        d.Poisson(meanGap, 0, d.HorizonMs);
    });

    /// <summary>A report run by an hourly timer: at a fixed minute of every hour (the hour itself half the time), late by up to 3 s.</summary>
    public static Archetype HourlyReport { get; } = new("hourly-report", "hourly timer at a drawn minute, jitter up to 3 s, runs of 1-6 s", d =>
    {
        d.MemoryMb = d.DrawMemory(512, 1024, 2048);
        d.DrawDurations(1000, 6000, 0.25, 0.5);
        var phase = d.Random.Chance(0.5) ? 0 : (long)d.Random.Uniform(0, Hour);
        var jitter = (long)d.Random.Uniform(0, 3 * Second);
        d.Note($"every 60 min at +{phase / (double)Minute:0.0} min, jitter < {jitter} ms");
        d.Periodic(Hour, phase, jitter, 0, d.HorizonMs);
    });

    /// <summary>A timer of any of the common periods (1, 5, 10, 15, 30 or 60 min).</summary>
    public static Archetype AnyTimer { get; } = Timer();

    /// <summary>An API whose callers come every few minutes: visits with a mean gap of 3-12 min, each 1 call or a short run of them.</summary>
    public static Archetype GapApi { get; } = new("gap-api", "visits Poisson with mean gap 3-12 min, each of 1 to a few calls seconds apart", d =>
    {
        d.DrawDurations(80, 500);
        var meanGap = d.Random.Uniform(3 * Minute, 12 * Minute);
        var more = d.Random.Uniform(0.1, 0.5);
        d.Note($"visits every {meanGap / Minute:0.0} min on average, P(another call) {more:0.00}");
        for (var t = d.Random.Exponential(meanGap); t < d.HorizonMs; t += d.Random.Exponential(meanGap))
        {
            var call = t;
            do
            {
                d.Arrive((long)call);
                call += d.Random.Exponential(3 * Second);
            }
            while (d.Random.Chance(more));
        }
    });

    /// <summary>An API with a daily cycle: a non-homogeneous Poisson process peaking at 0.5-4 calls/s, its floor 40-60% of the peak.</summary>
    public static Archetype DiurnalApi { get; } = new("diurnal-api", "non-homogeneous Poisson, peak 0.5-4/s at 10-18 h, floor 0.4-0.6 of peak", d =>
    {
        d.DrawDurations(40, 300, 0.4, 0.7);
        var peakRate = d.Random.LogUniform(0.5, 4);
        var floor = d.Random.Uniform(0.4, 0.6);
        var peakAt = d.Random.Uniform(10, 18) * Hour;
        d.Note($"peak {peakRate:0.00}/s at {peakAt / Hour:0.0} h, floor {floor:0.00} of peak");
        d.Modulated(Second / peakRate, DailyCycle(floor, peakAt, d.HorizonMs), 0, d.HorizonMs);
    });

    /// <summary>A worker fed at a steady high rate: Poisson at 0.3-2 calls/s all day.</summary>
    public static Archetype SteadyWorker { get; } = new("steady-worker", "Poisson at 0.3-2/s all day", d =>
    {
        d.DrawDurations(100, 800, 0.25, 0.5);
        var rate = d.Random.LogUniform(0.3, 2);
        d.Note($"Poisson {rate:0.00}/s");
        d.Poisson(Second / rate, 0, d.HorizonMs);
    });

    /// <summary>User sessions: sessions start every 8-40 min (more by day), each a run of 1-3 calls/s for about a minute or more, then silence.</summary>
    public static Archetype SessionBursts { get; } = new("session-bursts", "sessions every 8-40 min (daily cycle), each 1-3 calls/s for ~40-200 s", d =>
    {
        d.DrawDurations(60, 300, 0.4, 0.7);
        var meanGap = d.Random.LogUniform(8 * Minute, 40 * Minute);
        var medianLength = d.Random.Uniform(40 * Second, 200 * Second);
        var rate = d.Random.Uniform(1, 3);
        var floor = d.Random.Uniform(0.3, 0.6);
        var peakAt = d.Random.Uniform(11, 21) * Hour;
        d.Note($"sessions every {meanGap / Minute:0} min at peak, median {medianLength / Second:0} s long at {rate:0.0}/s");
        var cycle = DailyCycle(floor, peakAt, d.HorizonMs);
        for (var t = d.Random.Exponential(meanGap); t < d.HorizonMs; t += d.Random.Exponential(meanGap))
        {
            // Sessions start as a non-homogeneous Poisson process (thinning), more of them by day.
            if (d.Random.Chance(cycle((long)t)))
            {
                var length = Math.Clamp(d.Random.LogNormal(medianLength, 0.6), 5 * Second, 20 * Minute);
                d.Arrive((long)t);
                d.Poisson(Second / rate, (long)t, (long)(t + length));
            }
        }
    });

    /// <summary>Batch fan-outs: 80-200 invocations within seconds, on a periodic schedule or at random hours.</summary>
    public static Archetype BatchFanOut { get; } = new("batch-fanout", "80-200 invocations within 0-5 s, every 1-6 h (periodic) or at random (mean gap 1-4 h, at least 5 min)", d =>
    {
        d.MemoryMb = d.DrawMemory(1024, 2048);
        d.InitMs = d.DrawInit(300, FunctionDraft.MaxInitMs);
        d.DrawDurations(800, 3000, 0.2, 0.4);
        var spread = d.Random.Uniform(0, 5 * Second);
        var batches = new List<long>();
        if (d.Random.Chance(0.5))
        {
            var period = d.Random.Pick([1, 2, 3, 4, 6]) * Hour;
            var phase = (long)d.Random.Uniform(0, period);
            d.Note($"a batch every {period / Hour} h from {phase / (double)Hour:0.00} h");
            for (var t = phase; t < d.HorizonMs; t += period)
            {
                batches.Add(t + (long)d.Random.Uniform(0, Minute));
            }
        }
        else
        {
            // A batch job does not start again within minutes of its last run: gaps are 5 min plus an exponential.
            var meanGap = d.Random.LogUniform(1 * Hour, 4 * Hour);
            d.Note($"batches at random, mean gap {meanGap / Hour:0.0} h");
            for (var t = d.Random.Exponential(meanGap); t < d.HorizonMs; t += (5 * Minute) + d.Random.Exponential(meanGap))
            {
                batches.Add((long)t);
            }
        }

        d.Note($"{batches.Count} batches spread over {spread / Second:0.0} s");
        foreach (var at in batches)
        {
            d.Burst(at, d.Random.Next(80, 201), spread);
        }
    });

    /// <summary>An API with spikes: 0.2-1 calls/s, with ×20-30 spikes of 120-180 s every 1.5-4 h on average.</summary>
    public static Archetype SpikyApi { get; } = new("spiky-api", "Poisson 0.2-1/s with x20-30 spikes of 120-180 s, mean gap 1.5-4 h", d =>
    {
        d.DrawDurations(60, 300, 0.4, 0.6);
        var rate = d.Random.LogUniform(0.2, 1);
        var spikeGap = d.Random.LogUniform(1.5 * Hour, 4 * Hour);
        d.Poisson(Second / rate, 0, d.HorizonMs);
        var spikes = Spikes(d, Second / rate, spikeGap, count: null, 20, 30, 120 * Second, 180 * Second);
        d.Note($"Poisson {rate:0.00}/s; {spikes} spikes (mean gap {spikeGap / Hour:0.0} h)");
    });

    /// <summary>A queue consumer: off for 20-60 min on average, then on for 2-15 min draining at 2-6 calls/s.</summary>
    public static Archetype QueueConsumer { get; } = new("queue-consumer", "on/off: off mean 20-60 min, on mean 2-15 min at 2-6/s", d =>
    {
        d.DrawDurations(150, 800, 0.4, 0.6);
        var meanOff = d.Random.LogUniform(20 * Minute, 60 * Minute);
        var meanOn = d.Random.LogUniform(2 * Minute, 15 * Minute);
        var rate = d.Random.Uniform(2, 6);
        d.Note($"off {meanOff / Minute:0} min / on {meanOn / Minute:0.0} min on average, {rate:0.0}/s when on");
        for (var t = d.Random.Uniform(0, meanOff); t < d.HorizonMs;)
        {
            var on = d.Random.Exponential(meanOn);
            d.Poisson(Second / rate, (long)t, (long)Math.Min(t + on, d.HorizonMs));
            t += on + d.Random.Exponential(meanOff);
        }
    });

    /// <summary>A shop during flash sales: a trickle of 0.02-0.1 calls/s, and 1-5 sales a day at ×150-250 for 1-4 min.</summary>
    public static Archetype FlashSale { get; } = new("flash-sale", "Poisson 0.02-0.1/s with 1-5 spikes of x150-250 for 60-240 s", d =>
    {
        d.DrawDurations(40, 200, 0.3, 0.5);
        var rate = d.Random.LogUniform(0.02, 0.1);
        d.Poisson(Second / rate, 0, d.HorizonMs);
        var sales = Spikes(d, Second / rate, meanGapMs: 0, count: d.Random.Next(1, 6), 150, 250, 60 * Second, 240 * Second);
        d.Note($"Poisson {rate:0.000}/s; {sales} sales");
    });

    /// <summary>A rarely invoked function with gaps of 10 minutes to 4 hours.</summary>
    public static Archetype Sparse { get; } = SparseWithGaps(TimeSpan.FromMinutes(10), TimeSpan.FromHours(4));

    /// <summary>A cron job that runs only during business hours, e.g. every 15 min from 09:00 to 17:00.</summary>
    public static Archetype BusinessHoursCron { get; } = new("business-hours-cron", "every 5-30 min on the clock, only from 7-10 h to 16-19 h", d =>
    {
        var period = d.Random.Pick([5, 10, 15, 30]) * Minute;
        var from = d.Random.Next(7, 11) * Hour;
        var to = d.Random.Next(16, 20) * Hour;
        var jitter = (long)d.Random.LogUniform(5, 2000);
        d.Note($"every {period / Minute} min from {from / Hour} h to {to / Hour} h, jitter < {jitter} ms");
        d.Periodic(period, 0, jitter, from, Math.Min(to, d.HorizonMs));
    });

    /// <summary>Silent for hours, then busy: 1-2 windows of 30 min to 4 h at 0.5-4 calls/s (a nightly import, a launch), sometimes a trickle besides.</summary>
    public static Archetype DormantThenBusy { get; } = new("dormant-then-busy", "1-2 busy windows of 30 min-4 h at 0.5-4/s, silent (or a 2 h trickle) otherwise", d =>
    {
        d.DrawDurations(100, 1000, 0.3, 0.6);
        var windows = d.Random.Next(1, 3);
        for (var i = 0; i < windows; i++)
        {
            var start = (long)d.Random.Uniform(1 * Hour, d.HorizonMs - Hour);
            var length = (long)d.Random.LogUniform(30 * Minute, 4 * Hour);
            var rate = d.Random.LogUniform(0.5, 4);
            d.Note($"busy from {start / (double)Hour:0.0} h for {length / (double)Minute:0} min at {rate:0.0}/s");
            d.Poisson(Second / rate, start, Math.Min(start + length, d.HorizonMs));
        }

        if (d.Random.Chance(0.5))
        {
            d.Note($"a trickle every 2 h on average");
            d.Poisson(2 * Hour, 0, d.HorizonMs);
        }
    });

    /// <summary>An API whose gaps are heavy-tailed (Pareto, CV above 1), mean gap 10 s to 5 min.</summary>
    public static Archetype HeavyTailApi { get; } = HeavyTail(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));

    /// <summary>A cron that fans out: every 5-60 min, 5-40 invocations at once (within 0.5 s).</summary>
    public static Archetype CronFanOut { get; } = new("cron-fanout", "every 5-60 min on the clock (or at a drawn offset), 5-40 invocations within 0.5 s", d =>
    {
        d.DrawDurations(200, 2000, 0.2, 0.5);
        var period = d.Random.Pick([5, 10, 15, 30, 60]) * Minute;
        var phase = d.Random.Chance(0.5) ? 0 : (long)d.Random.Uniform(0, period);
        var fanOut = d.Random.Next(5, 41);
        var spread = d.Random.Uniform(0, 500);
        d.Note($"{fanOut} at once every {period / Minute} min from +{phase / (double)Minute:0.0} min");
        for (var t = phase; t < d.HorizonMs; t += period)
        {
            d.Burst(t, fanOut, spread);
        }
    });

    /// <summary>A daily job: 1-4 runs at fixed times of day, each retried after a few minutes 30% of the time; runs of 2-60 s.</summary>
    public static Archetype DailyJob { get; } = new("daily-job", "1-4 runs a day at drawn times, 30% retried 1-5 min later, 2-60 s each", d =>
    {
        d.DrawDurations(2000, 60_000, 0.3, 0.6);
        var runs = d.Random.Next(1, 5);
        d.Note($"{runs} runs a day");
        for (var i = 0; i < runs; i++)
        {
            var at = (long)d.Random.Uniform(0, d.HorizonMs);
            d.Arrive(at);
            if (d.Random.Chance(0.3))
            {
                d.Arrive(at + (long)d.Random.Uniform(1 * Minute, 5 * Minute));
            }
        }
    });

    /// <summary>Every built-in archetype, one of each (timers with a drawn period).</summary>
    public static IReadOnlyList<Archetype> All { get; } =
    [
        RareWebhook, HourlyReport, AnyTimer, GapApi, DiurnalApi, SteadyWorker, SessionBursts, BatchFanOut, SpikyApi,
        QueueConsumer, FlashSale, Sparse, BusinessHoursCron, DormantThenBusy, HeavyTailApi, CronFanOut, DailyJob,
    ];

    /// <summary>The archetypes whose load comes in bursts (inter-arrival CV well above 1).</summary>
    public static IReadOnlyList<Archetype> Bursty { get; } =
        [BatchFanOut, SpikyApi, QueueConsumer, FlashSale, SessionBursts, CronFanOut, DormantThenBusy, HeavyTailApi];

    /// <summary>A built-in archetype by name.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static Archetype Get(string name) =>
        All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.Ordinal))
        ?? throw new ArgumentException($"Unknown archetype '{name}'; known: {string.Join(", ", All.Select(a => a.Name))}.", nameof(name));

    /// <summary>
    /// A timer with one of <paramref name="periods"/> (all of 1, 5, 10, 15, 30 and 60 min when none is given): a small
    /// jitter (5 ms up to 2% of the period, at most 3 s), on the clock half the time, else at a drawn offset.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A period is under a second or over a day.</exception>
    public static Archetype Timer(params TimeSpan[] periods)
    {
        ArgumentNullException.ThrowIfNull(periods);
        var choices = periods.Length == 0 ? TimerPeriodsMinutes.Select(m => m * Minute).ToArray() : periods.Select(p => (long)p.TotalMilliseconds).ToArray();
        foreach (var period in choices)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(period, Second, nameof(periods));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(period, DemandTrace.HorizonMs, nameof(periods));
        }

        return new Archetype("timer", $"a timer every {string.Join(" or ", choices.Select(Label))}, small jitter, sometimes a phase offset", d =>
        {
            d.DrawDurations(30, 1500, 0.2, 0.5);
            var period = d.Random.Pick(choices);
            var jitter = (long)d.Random.LogUniform(5, Math.Max(6, Math.Min(3000, period / 50)));
            var phase = d.Random.Chance(0.5) ? 0 : (long)d.Random.Uniform(0, period);
            d.Name = "timer-" + Label(period);
            d.Note($"every {Label(period)} from +{phase / (double)Second:0.0} s, jitter < {jitter} ms");
            d.Periodic(period, phase, jitter, 0, d.HorizonMs);
        });
    }

    /// <summary>A rarely invoked function: Poisson arrivals whose mean gap is drawn log-uniformly between the bounds.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The bounds are not positive and ordered.</exception>
    public static Archetype SparseWithGaps(TimeSpan minMeanGap, TimeSpan maxMeanGap)
    {
        var (minMs, maxMs, range) = MeanGapRange(minMeanGap, maxMeanGap);
        return new Archetype("sparse", $"Poisson, mean gap {range}", d =>
        {
            d.DrawDurations(60, 1000, 0.3, 0.8);
            var meanGap = d.Random.LogUniform(minMs, maxMs);
            d.Note($"Poisson, mean gap {meanGap / Minute:0} min");
            d.Poisson(meanGap, 0, d.HorizonMs);
        });
    }

    /// <summary>An API with heavy-tailed gaps: a renewal process of Pareto gaps (shape 1.2-1.8) whose mean is drawn between the bounds.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The bounds are not positive and ordered.</exception>
    public static Archetype HeavyTail(TimeSpan minMeanGap, TimeSpan maxMeanGap)
    {
        var (minMs, maxMs, range) = MeanGapRange(minMeanGap, maxMeanGap);
        return new Archetype("heavy-tail-api", $"Pareto gaps (shape 1.2-1.8), mean {range}", d =>
        {
            d.DrawDurations(50, 400, 0.4, 0.8);
            var meanGap = d.Random.LogUniform(minMs, maxMs);
            var shape = d.Random.Uniform(1.2, 1.8);
            d.Note($"Pareto gaps, mean {meanGap / Second:0} s, shape {shape:0.00}");
            d.HeavyTailed(meanGap, shape, 0, d.HorizonMs);
        });
    }

    /// <summary>
    /// The daily cycle as a rate relative to its peak: a cosine from <paramref name="floor"/> (12 h from the peak) to 1
    /// (at <paramref name="peakAtMs"/>).
    /// </summary>
    public static Func<long, double> DailyCycle(double floor, double peakAtMs, long dayMs = DemandTrace.HorizonMs) =>
        t => floor + ((1 - floor) * (1 + Math.Cos(2 * Math.PI * (t - peakAtMs) / dayMs)) / 2);

    /// <summary>
    /// Adds spikes on top of a base Poisson rate: <paramref name="count"/> of them at uniform times, or, when null, at
    /// Poisson times with <paramref name="meanGapMs"/>; each multiplies the rate by a drawn factor for a drawn length.
    /// </summary>
    /// <returns>How many spikes were added.</returns>
    private static int Spikes(FunctionDraft d, double baseGapMs, double meanGapMs, int? count, double minFactor, double maxFactor, long minLengthMs, long maxLengthMs)
    {
        var starts = new List<long>();
        if (count is { } n)
        {
            for (var i = 0; i < n; i++)
            {
                starts.Add((long)d.Random.Uniform(0, d.HorizonMs - maxLengthMs));
            }
        }
        else
        {
            for (var t = d.Random.Exponential(meanGapMs); t < d.HorizonMs; t += d.Random.Exponential(meanGapMs))
            {
                starts.Add((long)t);
            }
        }

        foreach (var start in starts)
        {
            var factor = d.Random.Uniform(minFactor, maxFactor);
            var length = (long)d.Random.Uniform(minLengthMs, maxLengthMs);

            // The spike's extra traffic: (factor - 1) times the base rate, so the total is factor times the base.
            d.Poisson(baseGapMs / (factor - 1), start, Math.Min(start + length, d.HorizonMs));
        }

        return starts.Count;
    }

    private static (double MinMs, double MaxMs, string Label) MeanGapRange(TimeSpan min, TimeSpan max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(min, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        return (min.TotalMilliseconds, max.TotalMilliseconds, $"{Label((long)min.TotalMilliseconds)} to {Label((long)max.TotalMilliseconds)}");
    }

    private static string Label(long periodMs) => periodMs % Hour == 0 && periodMs >= 2 * Hour ? $"{periodMs / Hour}h"
        : periodMs % Minute == 0 ? $"{periodMs / Minute}min"
        : $"{periodMs / (double)Second:0.###}s";
}
