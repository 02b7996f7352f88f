using System.Globalization;

namespace WarmKeeper.Core.Simulation.Synthetic;

/// <summary>
/// Composes a synthetic trace from archetypes, deterministically from a seed: the n-th function added draws from its
/// own stream (<see cref="SyntheticRandom.Derive"/> of the seed and n), so equal seeds and equal compositions give
/// identical traces, and adding a function leaves the ones before it unchanged.
/// </summary>
/// <example>
/// <code>
/// var trace = new SyntheticTraceBuilder(seed: 42)
///     .Add(Archetypes.Timer(TimeSpan.FromMinutes(5)))
///     .Add(Archetypes.DiurnalApi)
///     .Add(Archetypes.Sparse, count: 4)
///     .Build("custom-42")
///     .Trace;
/// </code>
/// </example>
public sealed class SyntheticTraceBuilder
{
    /// <summary>The default cap on a trace's invocations, which keeps a simulation run to seconds.</summary>
    public const int DefaultMaxInvocations = 500_000;

    // The thinning streams sit far from the functions' streams (0, 1, 2…).
    private const ulong ThinningStreams = 1UL << 40;

    private readonly List<SyntheticFunction> _functions = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>Creates an empty composition.</summary>
    /// <param name="seed">Every draw of the trace comes from it.</param>
    /// <param name="horizonMs">The length of the trace (24 h unless shorter).</param>
    public SyntheticTraceBuilder(ulong seed, long horizonMs = DemandTrace.HorizonMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(horizonMs);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(horizonMs, DemandTrace.HorizonMs);
        Seed = seed;
        HorizonMs = horizonMs;
    }

    /// <summary>The seed.</summary>
    public ulong Seed { get; }

    /// <summary>The length of the trace, in ms.</summary>
    public long HorizonMs { get; }

    /// <summary>
    /// The most invocations the trace may hold. Above it, <see cref="Build"/> thins the busiest functions (each of their
    /// invocations kept with the same probability, which keeps a Poisson process Poisson and a spike a spike) until the
    /// trace fits. Only functions with at least a 25th of the cap are thinned, so timers, fan-outs (at most about 12,000
    /// a day) and rare functions keep their shape.
    /// </summary>
    public int MaxInvocations { get; init; } = DefaultMaxInvocations;

    /// <summary>The functions drawn so far, in the order added (before any thinning).</summary>
    public IReadOnlyList<SyntheticFunction> Functions => _functions;

    /// <summary>Draws <paramref name="count"/> functions of <paramref name="archetype"/>, each from its own stream.</summary>
    /// <returns>This builder.</returns>
    public SyntheticTraceBuilder Add(Archetype archetype, int count = 1)
    {
        ArgumentNullException.ThrowIfNull(archetype);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (var i = 0; i < count; i++)
        {
            Add(archetype.Generate(SyntheticRandom.Derive(Seed, (ulong)_functions.Count), HorizonMs));
        }

        return this;
    }

    /// <summary>Adds a function drawn elsewhere; a name already taken gets a suffix (<c>-2</c>, <c>-3</c>…).</summary>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">The function's times are unsorted or outside the horizon, or the arrays differ in length.</exception>
    public SyntheticTraceBuilder Add(SyntheticFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (function.TimesMs.Length != function.DurationsMs.Length)
        {
            throw new ArgumentException("Times and durations differ in length.", nameof(function));
        }

        for (var i = 0; i < function.TimesMs.Length; i++)
        {
            if (function.TimesMs[i] < (i == 0 ? 0 : function.TimesMs[i - 1]) || function.TimesMs[i] > HorizonMs)
            {
                throw new ArgumentException($"Invocation {i} of '{function.Function.Name}' is unsorted or outside 0..{HorizonMs}.", nameof(function));
            }
        }

        var name = function.Function.Name;
        for (var suffix = 2; !_names.Add(name); suffix++)
        {
            name = string.Create(CultureInfo.InvariantCulture, $"{function.Function.Name}-{suffix}");
        }

        _functions.Add(name == function.Function.Name ? function : function with { Function = function.Function with { Name = name } });
        return this;
    }

    /// <summary>The trace: every function's invocations merged in time order (ties by function order).</summary>
    /// <param name="name">The trace's name.</param>
    /// <exception cref="InvalidOperationException">No function was added, or the functions that may not be thinned alone exceed <see cref="MaxInvocations"/>.</exception>
    public SyntheticTrace Build(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_functions.Count == 0)
        {
            throw new InvalidOperationException("A trace needs at least one function.");
        }

        var functions = Thin();
        var invocations = new TraceInvocation[functions.Sum(f => f.Count)];
        var next = new int[functions.Count];
        var queue = new PriorityQueue<int, (long Time, int Function)>();
        for (var f = 0; f < functions.Count; f++)
        {
            if (functions[f].Count > 0)
            {
                queue.Enqueue(f, (functions[f].TimesMs[0], f));
            }
        }

        for (var i = 0; queue.TryDequeue(out var f, out _); i++)
        {
            var function = functions[f];
            var k = next[f]++;
            invocations[i] = new TraceInvocation(function.TimesMs[k], f, function.DurationsMs[k]);
            if (k + 1 < function.Count)
            {
                queue.Enqueue(f, (function.TimesMs[k + 1], f));
            }
        }

        var trace = new DemandTrace(name, [.. functions.Select(f => f.Function)], invocations, HorizonMs);
        return new SyntheticTrace(trace, Seed, functions);
    }

    private List<SyntheticFunction> Thin()
    {
        var functions = _functions.ToList();
        var threshold = Math.Max(1, MaxInvocations / 25);
        for (var round = 0; functions.Sum(f => (long)f.Count) > MaxInvocations; round++)
        {
            var total = functions.Sum(f => (long)f.Count);
            var large = functions.Where(f => f.Count >= threshold).Sum(f => (long)f.Count);
            var fixedPart = total - large;
            if (large == 0 || fixedPart >= MaxInvocations)
            {
                throw new InvalidOperationException($"The trace holds {total:N0} invocations and only {large:N0} of them may be thinned: it cannot fit in {MaxInvocations:N0}.");
            }

            // A little below the exact share, so that one round almost always suffices.
            var keep = (MaxInvocations - fixedPart) * 0.995 / large;
            for (var index = 0; index < functions.Count; index++)
            {
                var function = functions[index];
                if (function.Count < threshold)
                {
                    continue;
                }

                var random = SyntheticRandom.Derive(Seed, ThinningStreams + ((ulong)round << 20) + (ulong)index);
                var kept = Enumerable.Range(0, function.Count).Where(_ => random.NextDouble() < keep).ToArray();
                functions[index] = function with
                {
                    Parameters = string.Create(CultureInfo.InvariantCulture, $"{function.Parameters}; thinned to {keep:P1} to fit {MaxInvocations:N0} invocations"),
                    TimesMs = [.. kept.Select(i => function.TimesMs[i])],
                    DurationsMs = [.. kept.Select(i => function.DurationsMs[i])],
                };
            }
        }

        return functions;
    }
}

/// <summary>A generated trace with what drew it.</summary>
/// <param name="Trace">The demand trace, ready for the simulator or <see cref="TraceWriter"/>.</param>
/// <param name="Seed">The builder's seed.</param>
/// <param name="Functions">Each function with its archetype and drawn parameters, in trace order.</param>
public sealed record SyntheticTrace(DemandTrace Trace, ulong Seed, IReadOnlyList<SyntheticFunction> Functions);
