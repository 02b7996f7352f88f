using WarmKeeper.Core.KeepWarm;

namespace WarmKeeper.Core.Simulation.Adapters;

/// <summary>
/// The simulated time as a <see cref="TimeProvider"/>, so production code that reads time from a
/// <see cref="TimeProvider"/> (the warm-up planner, the deciders' "now") runs unchanged inside a run.
/// </summary>
public sealed class SimulationClock : TimeProvider
{
    private readonly KeepWarmContext _context;

    /// <summary>Creates a clock that reads the run's current time from <paramref name="context"/>.</summary>
    public SimulationClock(KeepWarmContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    /// <summary>The instant t = 0 of every trace maps to: a fixed Thursday midnight UTC, so runs are reproducible.</summary>
    public static DateTimeOffset Epoch { get; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <inheritdoc />
    public override long TimestampFrequency => 1000;

    /// <summary>The simulated instant of <paramref name="ms"/> milliseconds into the trace.</summary>
    public static DateTimeOffset At(long ms) => Epoch.AddMilliseconds(ms);

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => At(_context.NowMs);

    /// <inheritdoc />
    public override long GetTimestamp() => _context.NowMs;
}
