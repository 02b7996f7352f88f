using System.Globalization;

namespace WarmKeeper.Core.Simulation.Synthetic;

/// <summary>
/// Families of synthetic traces, each a recipe for choosing archetypes from a seed. <c>mixed</c>, <c>bursty</c> and
/// <c>sparse</c> mirror the shared traces of those names; <c>population</c> draws a larger set of functions in the
/// proportions the paper reports (45% invoked at most once an hour, 81% at most once a minute).
/// </summary>
/// <remarks>
/// The family's name is mixed into the seed, so <c>mixed-3</c> and <c>bursty-3</c> share no draws.
/// </remarks>
public static class SyntheticFamilies
{
    /// <summary>One function of each of a random subset of 6-11 archetypes.</summary>
    public const string Mixed = "mixed";

    /// <summary>3-5 distinct bursty archetypes (fan-outs, spikes, on/off, sessions, flash sales…).</summary>
    public const string Bursty = "bursty";

    /// <summary>8-16 rarely invoked functions (gaps of 10 min to 4 h, rare webhooks, daily jobs).</summary>
    public const string Sparse = "sparse";

    /// <summary>
    /// 20-30 functions drawn from three pools (rare 41%, occasional 37%, busy 22%) so that, measured, about 45% are
    /// invoked at most once an hour, about 81% at most once a minute and about 40% have an inter-arrival CV above 1.
    /// </summary>
    public const string Population = "population";

    private static readonly IReadOnlyList<Archetype> Rare =
    [
        Archetypes.RareWebhook, Archetypes.SparseWithGaps(TimeSpan.FromHours(1.5), TimeSpan.FromHours(4)), Archetypes.HourlyReport,
        Archetypes.DailyJob, Archetypes.Timer(TimeSpan.FromMinutes(60)),
    ];

    private static readonly IReadOnlyList<Archetype> Occasional =
    [
        Archetypes.Timer(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30)),
        Archetypes.GapApi, Archetypes.BusinessHoursCron, Archetypes.HeavyTail(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(30)),
        Archetypes.SparseWithGaps(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(50)),
    ];

    private static readonly IReadOnlyList<Archetype> Busy =
    [
        Archetypes.DiurnalApi, Archetypes.SteadyWorker, Archetypes.SessionBursts, Archetypes.SpikyApi, Archetypes.QueueConsumer,
        Archetypes.FlashSale, Archetypes.BatchFanOut, Archetypes.DormantThenBusy, Archetypes.CronFanOut, Archetypes.HeavyTailApi,
    ];

    /// <summary>Every family's name.</summary>
    public static IReadOnlyList<string> Names { get; } = [Mixed, Bursty, Sparse, Population];

    /// <summary>Is <paramref name="family"/> a known family?</summary>
    public static bool IsKnown(string family) => Names.Contains(family, StringComparer.Ordinal);

    /// <summary>The trace of <paramref name="family"/> for <paramref name="seed"/>, named <c>family-seed</c>.</summary>
    /// <exception cref="ArgumentException">Unknown family; the message lists the known ones.</exception>
    public static SyntheticTrace Generate(string family, ulong seed) =>
        Compose(family, seed).Build(string.Create(CultureInfo.InvariantCulture, $"{family}-{seed}"));

    /// <summary>The family's composition for <paramref name="seed"/>, to inspect or extend before building.</summary>
    /// <exception cref="ArgumentException">Unknown family; the message lists the known ones.</exception>
    public static SyntheticTraceBuilder Compose(string family, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(family);
        if (!IsKnown(family))
        {
            throw new ArgumentException($"Unknown family '{family}'; known: {string.Join(", ", Names)}.", nameof(family));
        }

        // The family's choices come from one stream, the functions from the builder's own streams.
        var choices = SyntheticRandom.Derive(seed, Fnv1A(family));
        var builder = new SyntheticTraceBuilder(((ulong)choices.NextUInt32() << 32) | choices.NextUInt32());
        switch (family)
        {
            case Mixed:
                foreach (var archetype in choices.Shuffle(Archetypes.All).Take(choices.Next(6, 12)))
                {
                    builder.Add(archetype);
                }

                break;
            case Bursty:
                foreach (var archetype in choices.Shuffle(Archetypes.Bursty).Take(choices.Next(3, 6)))
                {
                    builder.Add(archetype);
                }

                break;
            case Sparse:
                for (int i = 0, n = choices.Next(8, 17); i < n; i++)
                {
                    builder.Add(choices.PickWeighted([(Archetypes.Sparse, 7.0), (Archetypes.RareWebhook, 2.0), (Archetypes.DailyJob, 1.0)]));
                }

                break;
            default:
                for (int i = 0, n = choices.Next(20, 31); i < n; i++)
                {
                    builder.Add(choices.Pick(choices.PickWeighted([(Rare, 0.41), (Occasional, 0.37), (Busy, 0.22)])));
                }

                break;
        }

        return builder;
    }

    private static ulong Fnv1A(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = unchecked((hash ^ c) * 1099511628211UL);
        }

        return hash;
    }
}
