namespace WarmKeeper.Core.Simulation;

/// <summary>One function of a demand trace: its name and the platform settings that price and delay it.</summary>
/// <param name="Name">The function's name, unique within the trace.</param>
/// <param name="MemoryMb">Configured memory; GB-seconds are billed on <c>MemoryMb / 1024</c>.</param>
/// <param name="InitMs">Initialization time a cold start adds before the handler runs.</param>
public sealed record TraceFunction(string Name, int MemoryMb, int InitMs);

/// <summary>One user invocation of a trace, kept as a 16-byte struct so a 400k-row trace is one flat array.</summary>
/// <param name="TimeMs">Arrival time in milliseconds from the start of the trace.</param>
/// <param name="FunctionIndex">Index into <see cref="DemandTrace.Functions"/>.</param>
/// <param name="DurationMs">Handler run time, excluding any init.</param>
public readonly record struct TraceInvocation(long TimeMs, int FunctionIndex, int DurationMs);

/// <summary>
/// A demand trace: the functions and their invocations sorted by arrival time, over a 24 h horizon.
/// </summary>
/// <remarks>
/// The invocation array is owned by the trace and never handed to a policy: a policy receives only
/// <see cref="Functions"/> and the observations the simulator delivers at their time, which is how the
/// simulator keeps policies from seeing the future.
/// </remarks>
public sealed class DemandTrace
{
    /// <summary>The end of every trace: 24 h in milliseconds. Arrivals may fall on it; scheduled actions may not.</summary>
    public const long HorizonMs = 86_400_000;

    private readonly TraceInvocation[] _invocations;

    /// <summary>Builds a trace from already validated parts; <see cref="TraceReader"/> is the usual way in.</summary>
    /// <param name="name">The trace's name.</param>
    /// <param name="functions">The functions.</param>
    /// <param name="invocations">The invocations, sorted by arrival.</param>
    /// <param name="lengthMs">Where the run ends (24 h for trace files; a recorded window may be shorter).</param>
    /// <exception cref="ArgumentException">The invocations are unsorted, out of the horizon or name an unknown function.</exception>
    public DemandTrace(string name, IReadOnlyList<TraceFunction> functions, TraceInvocation[] invocations, long lengthMs = HorizonMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lengthMs);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lengthMs, HorizonMs);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(functions);
        ArgumentNullException.ThrowIfNull(invocations);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var function in functions)
        {
            if (!names.Add(function.Name))
            {
                throw new ArgumentException($"Function '{function.Name}' appears twice.", nameof(functions));
            }

            if (function.MemoryMb <= 0)
            {
                throw new ArgumentException($"Function '{function.Name}': memory_mb must be positive.", nameof(functions));
            }

            if (function.InitMs < 0)
            {
                throw new ArgumentException($"Function '{function.Name}': init_ms must not be negative.", nameof(functions));
            }
        }

        long previous = 0;
        for (var i = 0; i < invocations.Length; i++)
        {
            var invocation = invocations[i];
            if (invocation.TimeMs < previous || invocation.TimeMs > lengthMs)
            {
                throw new ArgumentException($"Invocation {i}: t_ms {invocation.TimeMs} is unsorted or outside 0..{lengthMs}.", nameof(invocations));
            }

            if ((uint)invocation.FunctionIndex >= (uint)functions.Count || invocation.DurationMs < 0)
            {
                throw new ArgumentException($"Invocation {i}: unknown function index or negative duration.", nameof(invocations));
            }

            previous = invocation.TimeMs;
        }

        Name = name;
        LengthMs = lengthMs;
        Functions = Array.AsReadOnly(functions.ToArray());
        _invocations = invocations;
    }

    /// <summary>Where the run ends: actions and billing stop there. 24 h for trace files.</summary>
    public long LengthMs { get; }

    /// <summary>The trace's name (its folder name when read from disk).</summary>
    public string Name { get; }

    /// <summary>The functions, in file order; invocations refer to them by index.</summary>
    public IReadOnlyList<TraceFunction> Functions { get; }

    /// <summary>The invocations, sorted by arrival.</summary>
    public ReadOnlySpan<TraceInvocation> Invocations => _invocations;

    /// <summary>Number of user invocations.</summary>
    public int InvocationCount => _invocations.Length;
}
