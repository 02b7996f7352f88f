using System.Collections;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Scaling;
using WarmKeeper.Core.Simulation.Adapters;
using WarmKeeper.Core.Warmup;

namespace WarmKeeper.Core.Simulation;

/// <summary>
/// The simulator's side of the keep-warm contract: the levers act on the platform model of one run at its virtual
/// time; pings through the planner and provisioned concurrency through the decider go through the agent's own classes.
/// </summary>
internal sealed class SimulatedKeepWarmContext : KeepWarmContext
{
    private readonly PlatformRun _run;
    private SimulatedWarmupPlanner? _planner;
    private SimulatedConcurrencyScaler? _scaler;

    internal SimulatedKeepWarmContext(PlatformRun run, IReadOnlyList<KeepWarmFunction> functions, ObservationHistory history)
    {
        _run = run;
        Functions = functions;
        History = history;
    }

    /// <summary>The target name simulated functions are pinged and scaled under.</summary>
    public const string TargetName = "simulation";

    /// <inheritdoc />
    public override long NowMs => Now;

    /// <summary>The current simulated time, moved forward by the run.</summary>
    internal long Now { get; set; }

    /// <inheritdoc />
    public override long HorizonMs => _run.HorizonMs;

    /// <inheritdoc />
    public override DateTimeOffset Origin => SimulationClock.Epoch;

    /// <inheritdoc />
    public override string Target => TargetName;

    /// <inheritdoc />
    public override IReadOnlyList<KeepWarmFunction> Functions { get; }

    /// <inheritdoc />
    public override IReadOnlyList<KeepWarmObservation> History { get; }

    /// <inheritdoc />
    public override int AccountConcurrencyLimit => _run.AccountConcurrencyLimit;

    internal void BeginStart() => InStart = true;

    internal void EndStart() => InStart = false;

    /// <summary>Records one decision without acting: the planner adapter records a run once and routes its pings one by one.</summary>
    internal void RecordDecision(PolicyDecisionKind kind, int functionIndex, int value, string? reason)
    {
        if (Now < HorizonMs)
        {
            _run.Decide(kind, functionIndex, value, reason);
        }
    }

    /// <summary>Routes a single ping now without recording a decision (the caller recorded the run it belongs to).</summary>
    /// <returns>False when the ping was refused (throttled) or the run is over.</returns>
    internal bool PingOne(int functionIndex) => Now < HorizonMs && _run.Ping(functionIndex, 1) == 0;

    /// <inheritdoc />
    protected override int ProvisionedConcurrencyCore(int functionIndex) => _run.GetConfiguredProvisionedConcurrency(functionIndex);

    /// <inheritdoc />
    protected override int? ReservedConcurrencyCore(int functionIndex) => _run.GetReservedConcurrency(functionIndex);

    /// <inheritdoc />
    protected override void PingCore(int functionIndex, int fanOut, string? reason)
    {
        if (Now < HorizonMs)
        {
            _run.Decide(PolicyDecisionKind.Ping, functionIndex, fanOut, reason);
            _run.Ping(functionIndex, fanOut);
        }
    }

    /// <inheritdoc />
    protected override WarmupRunReport WarmUpCore(int functionIndex, int fanOut, int inFlight, string reason) =>
        (_planner ??= new SimulatedWarmupPlanner(this)).Run(functionIndex, fanOut, inFlight, reason);

    /// <inheritdoc />
    protected override void SetProvisionedConcurrencyCore(int functionIndex, int count, string? reason)
    {
        _run.CheckProvisionedCount(functionIndex, count);
        if (Now < HorizonMs && count != _run.GetConfiguredProvisionedConcurrency(functionIndex))
        {
            _run.Decide(PolicyDecisionKind.SetProvisionedConcurrency, functionIndex, count, reason);
            _run.SetProvisionedConcurrency(functionIndex, count, immediate: false);
        }
    }

    /// <inheritdoc />
    protected override void SetInitialProvisionedConcurrencyCore(int functionIndex, int count, string? reason)
    {
        _run.CheckProvisionedCount(functionIndex, count);
        if (count != _run.GetConfiguredProvisionedConcurrency(functionIndex))
        {
            _run.Decide(PolicyDecisionKind.InitialProvisionedConcurrency, functionIndex, count, reason);
            _run.SetProvisionedConcurrency(functionIndex, count, immediate: true);
        }
    }

    /// <inheritdoc />
    protected override ScalingDecision DecideProvisionedConcurrencyCore(int functionIndex, ConcurrencyPolicy policy, IDemandHistory demand) =>
        (_scaler ??= new SimulatedConcurrencyScaler(this)).Decide(functionIndex, policy, demand);

    /// <inheritdoc />
    protected override void ScheduleTimerCore(long atMs) => _run.ScheduleTimer(atMs);
}

/// <summary>An append-only list of delivered observations; the simulator appends each at its time, so it never holds the future.</summary>
internal sealed class ObservationHistory : IReadOnlyList<KeepWarmObservation>
{
    private KeepWarmObservation[] _items = [];
    private int _count;

    public int Count => _count;

    public KeepWarmObservation this[int index] =>
        (uint)index < (uint)_count ? _items[index] : throw new ArgumentOutOfRangeException(nameof(index));

    public void Add(in KeepWarmObservation observation)
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, Math.Max(256, _items.Length * 2));
        }

        _items[_count++] = observation;
    }

    public IEnumerator<KeepWarmObservation> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return _items[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
