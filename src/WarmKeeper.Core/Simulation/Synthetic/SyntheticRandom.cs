namespace WarmKeeper.Core.Simulation.Synthetic;

/// <summary>
/// The random source of synthetic traces: a PCG32 generator (O'Neill's XSH-RR, 64-bit state) with the few
/// distributions workload models need. Its output is defined here, bit for bit, so a seed gives the same trace on
/// every machine and every .NET version (which <see cref="Random"/> does not promise).
/// </summary>
/// <remarks>
/// Not thread-safe and not cryptographic. Independent streams come from <see cref="Derive"/>: a trace gives each of
/// its functions its own stream, so adding a function to a composition does not change the others.
/// </remarks>
public sealed class SyntheticRandom
{
    private const ulong Multiplier = 6364136223846793005UL;
    private readonly ulong _increment;
    private ulong _state;

    /// <summary>Creates a generator from a seed and a stream number; equal pairs give equal sequences.</summary>
    /// <param name="seed">The seed.</param>
    /// <param name="stream">Selects one of 2^63 sequences for the same seed.</param>
    public SyntheticRandom(ulong seed, ulong stream = 0)
    {
        _increment = (stream << 1) | 1UL;
        _state = 0;
        NextUInt32();
        _state += seed;
        NextUInt32();
    }

    /// <summary>A generator for <paramref name="key"/> under <paramref name="seed"/>, statistically independent of other keys.</summary>
    /// <param name="seed">The trace's seed.</param>
    /// <param name="key">What the stream is for (a function's position, a family's choice).</param>
    public static SyntheticRandom Derive(ulong seed, ulong key)
    {
        // SplitMix64 scrambles both numbers so that neighbouring seeds and keys share no structure.
        var mixed = SplitMix(seed ^ SplitMix(key + 0x9E3779B97F4A7C15UL));
        return new SyntheticRandom(mixed, SplitMix(mixed ^ key));
    }

    /// <summary>The next 32 uniformly distributed bits.</summary>
    public uint NextUInt32()
    {
        var old = _state;
        _state = unchecked((old * Multiplier) + _increment);
        var xorShifted = (uint)(((old >> 18) ^ old) >> 27);
        var rotation = (int)(old >> 59);
        return (xorShifted >> rotation) | (xorShifted << (-rotation & 31));
    }

    /// <summary>A uniform double in [0, 1), with 53 random bits.</summary>
    public double NextDouble()
    {
        var high = (ulong)(NextUInt32() >> 5);
        var low = (ulong)(NextUInt32() >> 6);
        return ((high * 67_108_864UL) + low) / 9_007_199_254_740_992.0;
    }

    /// <summary>A uniform integer in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is empty.</exception>
    public int Next(int minInclusive, int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxExclusive, minInclusive);
        var range = (uint)(maxExclusive - minInclusive);

        // Lemire's multiply-and-reject: unbiased, and one draw almost always.
        var product = (ulong)NextUInt32() * range;
        var low = (uint)product;
        if (low < range)
        {
            var threshold = (0u - range) % range;
            while (low < threshold)
            {
                product = (ulong)NextUInt32() * range;
                low = (uint)product;
            }
        }

        return minInclusive + (int)(product >> 32);
    }

    /// <summary>A uniform double in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public double Uniform(double min, double max) => min + ((max - min) * NextDouble());

    /// <summary>A double whose logarithm is uniform: each factor of ten in the range is as likely as the next.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="min"/> is not positive.</exception>
    public double LogUniform(double min, double max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(min);
        return Math.Exp(Uniform(Math.Log(min), Math.Log(max)));
    }

    /// <summary>True with probability <paramref name="probability"/>.</summary>
    public bool Chance(double probability) => NextDouble() < probability;

    /// <summary>An exponential variate: the gap of a Poisson process whose mean gap is <paramref name="mean"/>.</summary>
    public double Exponential(double mean) => -mean * Math.Log(1.0 - NextDouble());

    /// <summary>A standard normal variate (Box-Muller; one of the pair is discarded, which keeps the sequence simple).</summary>
    public double StandardNormal()
    {
        var u = 1.0 - NextDouble();
        var v = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * v);
    }

    /// <summary>A log-normal variate with the given median and log-scale standard deviation.</summary>
    public double LogNormal(double median, double sigma) => median * Math.Exp(sigma * StandardNormal());

    /// <summary>
    /// A Pareto variate with shape <paramref name="shape"/> (above 1) scaled so that its mean is <paramref name="mean"/>:
    /// heavy-tailed gaps, whose coefficient of variation exceeds 1 (and is unbounded below shape 2).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shape"/> is not above 1.</exception>
    public double Pareto(double mean, double shape)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(shape, 1.0);
        var scale = mean * (shape - 1) / shape;
        return scale / Math.Pow(1.0 - NextDouble(), 1.0 / shape);
    }

    /// <summary>A uniformly chosen element.</summary>
    /// <exception cref="ArgumentException">The list is empty.</exception>
    public T Pick<T>(IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0)
        {
            throw new ArgumentException("Nothing to pick from.", nameof(items));
        }

        return items[Next(0, items.Count)];
    }

    /// <summary>An element chosen with probability proportional to its weight.</summary>
    /// <exception cref="ArgumentException">The list is empty or no weight is positive.</exception>
    public T PickWeighted<T>(IReadOnlyList<(T Item, double Weight)> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var total = items.Sum(i => Math.Max(0, i.Weight));
        if (!(total > 0))
        {
            throw new ArgumentException("No item has a positive weight.", nameof(items));
        }

        var target = NextDouble() * total;
        foreach (var (item, weight) in items)
        {
            target -= Math.Max(0, weight);
            if (target < 0)
            {
                return item;
            }
        }

        return items.Last(i => i.Weight > 0).Item;
    }

    /// <summary>The elements in a uniformly random order (Fisher-Yates); the input is not changed.</summary>
    public T[] Shuffle<T>(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var array = items.ToArray();
        for (var i = array.Length - 1; i > 0; i--)
        {
            var j = Next(0, i + 1);
            (array[i], array[j]) = (array[j], array[i]);
        }

        return array;
    }

    private static ulong SplitMix(ulong x)
    {
        unchecked
        {
            x += 0x9E3779B97F4A7C15UL;
            x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
            x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
            return x ^ (x >> 31);
        }
    }
}
