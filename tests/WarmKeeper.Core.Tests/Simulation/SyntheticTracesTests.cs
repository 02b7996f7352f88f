using CsCheck;
using WarmKeeper.Core.Simulation;
using WarmKeeper.Core.Simulation.Synthetic;

namespace WarmKeeper.Core.Tests.Simulation;

/// <summary>
/// The synthetic trace generator: determinism by seed, well-formed traces, and the workload statistics it claims
/// (timers regular, bursty archetypes CV above 1, a daily cycle with its floor about half the peak, the population's
/// shares of rare functions), plus the writer that saves a trace for <c>simulate</c>.
/// </summary>
public sealed class SyntheticTracesTests : IDisposable
{
    private const long Minute = 60_000;
    private const long Hour = 60 * Minute;

    // Fixed seeds keep the statistical tests deterministic; 12 of each is enough to catch a wrong range or process.
    private static readonly ulong[] Seeds = [.. Enumerable.Range(1, 12).Select(i => (ulong)i)];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "wk-synth-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void The_random_source_is_pcg32_bit_for_bit()
    {
        // The reference implementation's demo: pcg32_srandom(42, 54), first six outputs.
        var random = new SyntheticRandom(42, 54);

        uint[] outputs = [.. Enumerable.Range(0, 6).Select(_ => random.NextUInt32())];

        Assert.Equal([0xa15c02b7u, 0x7b47f409u, 0xba1d3330u, 0x83d2f293u, 0xbfa4784bu, 0xcbed606eu], outputs);
    }

    [Fact]
    public void Bounded_draws_stay_in_their_range_and_derived_streams_differ()
    {
        Gen.Select(Gen.ULong, Gen.Int[-1000, 1000], Gen.Int[1, 5000]).Sample((seed, min, width) =>
        {
            var random = new SyntheticRandom(seed);
            for (var i = 0; i < 50; i++)
            {
                var value = random.Next(min, min + width);
                Assert.InRange(value, min, min + width - 1);
                Assert.InRange(random.NextDouble(), 0.0, 0.9999999999999999);
            }

            Assert.NotEqual(SyntheticRandom.Derive(seed, 0).NextUInt32(), SyntheticRandom.Derive(seed, 1).NextUInt32());
        }, iter: 200);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void The_same_seed_gives_the_same_trace_and_another_seed_another(string family)
    {
        var first = SyntheticFamilies.Generate(family, 7).Trace;
        var again = SyntheticFamilies.Generate(family, 7).Trace;
        var other = SyntheticFamilies.Generate(family, 8).Trace;

        Assert.Equal(first.Functions, again.Functions);
        Assert.True(first.Invocations.SequenceEqual(again.Invocations));
        Assert.False(first.Invocations.SequenceEqual(other.Invocations));
        Assert.Equal($"{family}-7", first.Name);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Every_trace_is_sorted_within_the_day_and_sized_for_a_quick_run(string family)
    {
        foreach (var seed in Seeds.Take(6))
        {
            var trace = SyntheticFamilies.Generate(family, seed).Trace;

            Assert.InRange(trace.InvocationCount, 1, SyntheticTraceBuilder.DefaultMaxInvocations);
            var previous = 0L;
            foreach (var invocation in trace.Invocations)
            {
                Assert.InRange(invocation.TimeMs, previous, DemandTrace.HorizonMs);
                Assert.InRange(invocation.DurationMs, 1, FunctionDraft.MaxDurationMs);
                previous = invocation.TimeMs;
            }

            Assert.All(trace.Functions, f =>
            {
                Assert.Contains(f.MemoryMb, FunctionDraft.MemorySizes);
                Assert.InRange(f.InitMs, FunctionDraft.MinInitMs, FunctionDraft.MaxInitMs);
            });
        }
    }

    [Fact]
    public void Different_seeds_draw_different_compositions_and_parameters()
    {
        var mixes = Seeds.Take(6).Select(seed => string.Join(",", SyntheticFamilies.Compose(SyntheticFamilies.Mixed, seed).Functions.Select(f => f.Archetype))).ToHashSet();
        var diurnal = Seeds.Take(6).Select(seed => Single(Archetypes.DiurnalApi, seed).Invocations).ToHashSet();

        Assert.True(mixes.Count >= 5, $"only {mixes.Count} distinct compositions in 6 seeds");

        // Peak rates are drawn from 0.5-4/s: a day holds from about 30,000 to about 260,000 invocations.
        Assert.True(diurnal.Max() > 2 * diurnal.Min(), $"diurnal volumes {string.Join(", ", diurnal)} barely vary");
    }

    [Fact]
    public void Adding_a_function_leaves_the_ones_before_it_unchanged()
    {
        var small = new SyntheticTraceBuilder(3).Add(Archetypes.GapApi).Add(Archetypes.AnyTimer);
        var large = new SyntheticTraceBuilder(3).Add(Archetypes.GapApi).Add(Archetypes.AnyTimer).Add(Archetypes.SteadyWorker);

        Assert.Equal(small.Functions[0].TimesMs, large.Functions[0].TimesMs);
        Assert.Equal(small.Functions[1].DurationsMs, large.Functions[1].DurationsMs);
    }

    [Fact]
    public void Timers_are_regular()
    {
        foreach (var seed in Seeds)
        {
            foreach (var archetype in new[] { Archetypes.AnyTimer, Archetypes.HourlyReport, Archetypes.BusinessHoursCron })
            {
                var shape = Single(archetype, seed);
                Assert.True(shape.InterArrivalCv < 0.01, $"{shape.Function} (seed {seed}) has CV {shape.InterArrivalCv:0.000}");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(15)]
    [InlineData(60)]
    public void A_timer_fires_once_a_period_all_day(int minutes)
    {
        var shape = Single(Archetypes.Timer(TimeSpan.FromMinutes(minutes)), 11);

        Assert.Equal($"timer-{minutes}min", shape.Function);
        Assert.Equal(24 * 60 / minutes, shape.Invocations);
    }

    [Fact]
    public void Bursty_archetypes_have_a_coefficient_of_variation_above_one_and_poisson_ones_near_one()
    {
        Archetype[] bursty = [Archetypes.BatchFanOut, Archetypes.SessionBursts, Archetypes.QueueConsumer, Archetypes.CronFanOut, Archetypes.SpikyApi, Archetypes.FlashSale, Archetypes.HeavyTailApi, Archetypes.GapApi];
        foreach (var seed in Seeds)
        {
            foreach (var archetype in bursty)
            {
                var shape = Single(archetype, seed);
                Assert.True(shape.InterArrivalCv > 1.05, $"{shape.Function} (seed {seed}) has CV {shape.InterArrivalCv:0.00}");
            }

            var steady = Single(Archetypes.SteadyWorker, seed);
            Assert.InRange(steady.InterArrivalCv, 0.95, 1.05);
        }
    }

    [Fact]
    public void The_daily_cycle_has_its_floor_at_about_half_its_peak()
    {
        foreach (var seed in Seeds)
        {
            var shape = Single(Archetypes.DiurnalApi, seed);
            var ratio = shape.HourlyCounts.Min() / (double)shape.HourlyCounts.Max();

            // The floor is drawn from 0.4-0.6 of the peak; hourly counts at 0.5/s and more add only a few percent of noise.
            Assert.InRange(ratio, 0.36, 0.66);
        }
    }

    [Fact]
    public void Batch_fan_outs_hold_80_to_200_invocations_within_seconds()
    {
        foreach (var seed in Seeds.Take(4))
        {
            var times = Archetypes.BatchFanOut.Generate(new SyntheticRandom(seed)).TimesMs;
            var batches = Clusters(times, gapMs: Minute);

            Assert.NotEmpty(batches);
            Assert.All(batches.SkipLast(1), b =>
            {
                Assert.InRange(b.Count, 80, 200);
                Assert.InRange(b[^1] - b[0], 0, 5_000);
            });
        }
    }

    [Fact]
    public void Spikes_multiply_the_base_rate_by_about_25()
    {
        foreach (var seed in Seeds.Take(6))
        {
            var perMinute = PerMinute(Archetypes.SpikyApi.Generate(new SyntheticRandom(seed)).TimesMs);
            var median = perMinute.Order().ElementAt(perMinute.Length / 2);

            // Base 0.2-1/s, so 12-60 a minute; a spike minute fully inside a x20-30 spike holds 20-30 times that.
            Assert.InRange(perMinute.Max() / (double)median, 14, 45);
        }
    }

    [Fact]
    public void Sparse_functions_have_mean_gaps_of_10_minutes_to_4_hours()
    {
        foreach (var seed in Seeds)
        {
            foreach (var function in SyntheticFamilies.Generate(SyntheticFamilies.Sparse, seed).Functions.Where(f => f.Archetype == "sparse" && f.Count >= 20))
            {
                var meanGap = (function.TimesMs[^1] - function.TimesMs[0]) / (double)(function.Count - 1);
                Assert.InRange(meanGap, 6 * Minute, 5 * Hour);
            }
        }
    }

    [Fact]
    public void The_population_family_matches_the_papers_shares()
    {
        var shapes = Seeds.SelectMany(seed => FunctionShape.Describe(SyntheticFamilies.Generate(SyntheticFamilies.Population, seed).Trace)).ToArray();
        var withCv = shapes.Where(s => !double.IsNaN(s.InterArrivalCv)).ToArray();

        // 45% at most once an hour, 81% at most once a minute, 40% with CV above 1 (about 300 functions: ±3% is one sigma).
        Assert.InRange(shapes.Count(s => s.AtMostHourly) / (double)shapes.Length, 0.37, 0.53);
        Assert.InRange(shapes.Count(s => s.AtMostEveryMinute) / (double)shapes.Length, 0.73, 0.89);
        Assert.InRange(withCv.Count(s => s.InterArrivalCv > 1) / (double)withCv.Length, 0.30, 0.50);
    }

    [Fact]
    public void Over_the_cap_only_the_busiest_functions_are_thinned()
    {
        var builder = new SyntheticTraceBuilder(5) { MaxInvocations = 40_000 }
            .Add(Archetypes.SteadyWorker)
            .Add(Archetypes.Timer(TimeSpan.FromMinutes(5)))
            .Add(Archetypes.BatchFanOut);

        var built = builder.Build("capped");

        Assert.True(builder.Functions[0].Count > 40_000);
        Assert.InRange(built.Trace.InvocationCount, 36_000, 40_000);
        Assert.Equal(builder.Functions[1].TimesMs, built.Functions[1].TimesMs);
        Assert.Equal(builder.Functions[2].TimesMs, built.Functions[2].TimesMs);
        Assert.Contains("thinned", built.Functions[0].Parameters, StringComparison.Ordinal);
        Assert.True(built.Trace.Invocations.SequenceEqual(builder.Build("capped").Trace.Invocations));
    }

    [Fact]
    public void A_composition_names_repeated_functions_apart()
    {
        var trace = new SyntheticTraceBuilder(1).Add(Archetypes.Sparse, count: 3).Add(Archetypes.RareWebhook).Build("custom").Trace;

        Assert.Equal(["sparse", "sparse-2", "sparse-3", "rare-webhook"], trace.Functions.Select(f => f.Name));
    }

    [Fact]
    public void A_custom_archetype_is_a_recipe()
    {
        var nightly = new Archetype("nightly-import", "200 calls at 02:00", d =>
        {
            d.DrawDurations(500, 2000);
            d.Burst(2 * Hour, 200, spreadMs: 60_000);
        });

        var function = new SyntheticTraceBuilder(9).Add(nightly).Build("custom").Functions.Single();

        Assert.Equal(200, function.Count);
        Assert.All(function.TimesMs, t => Assert.InRange(t, 2 * Hour, (2 * Hour) + 60_000));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void The_reader_reads_back_what_the_writer_writes(string family)
    {
        var trace = SyntheticFamilies.Generate(family, 4).Trace;
        var folder = Path.Combine(_folder, trace.Name);

        TraceWriter.Write(trace, folder);
        var read = TraceReader.Read(folder);

        Assert.Equal(trace.Name, read.Name);
        Assert.Equal(trace.Functions, read.Functions);
        Assert.True(trace.Invocations.SequenceEqual(read.Invocations));
    }

    [Fact]
    public void The_writer_refuses_a_name_the_format_cannot_hold()
    {
        var trace = new DemandTrace("bad", [new TraceFunction("a,b", 128, 100)], [new TraceInvocation(0, 0, 5)]);

        Assert.Throws<ArgumentException>(() => TraceWriter.Write(trace, _folder));
        Assert.False(File.Exists(Path.Combine(_folder, TraceReader.FunctionsFileName)));
    }

    public static TheoryData<string> Families() => [.. SyntheticFamilies.Names];

    private static FunctionShape Single(Archetype archetype, ulong seed) =>
        FunctionShape.Describe(new SyntheticTraceBuilder(seed).Add(archetype).Build("single").Trace)[0];

    private static List<List<long>> Clusters(long[] times, long gapMs)
    {
        var clusters = new List<List<long>>();
        for (var i = 0; i < times.Length; i++)
        {
            if (i == 0 || times[i] - times[i - 1] > gapMs)
            {
                clusters.Add([]);
            }

            clusters[^1].Add(times[i]);
        }

        return clusters;
    }

    private static int[] PerMinute(long[] times)
    {
        var counts = new int[(int)(DemandTrace.HorizonMs / Minute) + 1];
        foreach (var t in times)
        {
            counts[t / Minute]++;
        }

        return counts[..^1];
    }
}
