using System.Collections;

namespace WarmKeeper.Core.Simulation;

/// <summary>
/// What a policy sees and the levers it has, at one instant of a simulation run. The simulator reuses one
/// context per run and moves <see cref="NowMs"/> forward; actions act at <see cref="NowMs"/>.
/// </summary>
public sealed class PolicyContext
{
    private readonly PlatformRun _run;

    internal PolicyContext(PlatformRun run, IReadOnlyList<TraceFunction> functions, ObservationHistory history)
    {
        _run = run;
        Functions = functions;
        History = history;
    }

    /// <summary>The current simulated time in milliseconds from the start of the trace.</summary>
    public long NowMs { get; internal set; }

    /// <summary>The end of the run: actions and timers at or after it are ignored.</summary>
    public long HorizonMs => _run.HorizonMs;

    /// <summary>The functions (name, memory, init), indexed as in observations and actions.</summary>
    public IReadOnlyList<TraceFunction> Functions { get; }

    /// <summary>
    /// Every observation delivered so far, oldest first, when the policy asked for <see cref="PolicyInterest.History"/>
    /// (empty otherwise). It holds nothing observed after <see cref="NowMs"/>.
    /// </summary>
    public IReadOnlyList<PolicyObservation> History { get; }

    internal bool InStart { get; set; }

    /// <summary>The provisioned concurrency currently configured for a function (what the policy last set).</summary>
    public int GetProvisionedConcurrency(int functionIndex)
    {
        CheckFunction(functionIndex);
        return _run.GetConfiguredProvisionedConcurrency(functionIndex);
    }

    /// <summary>Sends <paramref name="fanOut"/> concurrent warm-up pings to a function now (each holds an environment 100 ms).</summary>
    /// <param name="functionIndex">The function.</param>
    /// <param name="fanOut">How many concurrent pings; 0 does nothing.</param>
    /// <param name="reason">Why, as the policy would explain it; kept in <see cref="SimulationResult.Decisions"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">Unknown function or negative fan-out.</exception>
    public void Ping(int functionIndex, int fanOut, string? reason = null)
    {
        CheckFunction(functionIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(fanOut);
        if (NowMs < HorizonMs && fanOut > 0)
        {
            _run.Decide(PolicyDecisionKind.Ping, functionIndex, fanOut, reason);
            _run.Ping(functionIndex, fanOut);
        }
    }

    /// <summary>Records one decision without acting: the planner adapter records a run once and routes its pings one by one.</summary>
    internal void RecordDecision(PolicyDecisionKind kind, int functionIndex, int value, string? reason)
    {
        CheckFunction(functionIndex);
        if (NowMs < HorizonMs)
        {
            _run.Decide(kind, functionIndex, value, reason);
        }
    }

    /// <summary>Routes a single ping now without recording a decision (the caller recorded the run it belongs to).</summary>
    /// <returns>False when the ping was refused (throttled) or the run is over.</returns>
    internal bool PingOne(int functionIndex)
    {
        CheckFunction(functionIndex);
        return NowMs < HorizonMs && _run.Ping(functionIndex, 1) == 0;
    }

    /// <summary>The function's reserved concurrency, or null when it draws on the account's pool (configuration the agent reads from the cloud).</summary>
    public int? GetReservedConcurrency(int functionIndex)
    {
        CheckFunction(functionIndex);
        return _run.GetReservedConcurrency(functionIndex);
    }

    /// <summary>The account's concurrency limit (GetAccountSettings).</summary>
    public int AccountConcurrencyLimit => _run.AccountConcurrencyLimit;

    /// <summary>
    /// Sets a function's provisioned concurrency now: an increase is ready 90 s later, a decrease turns the
    /// surplus provisioned environments into on-demand ones at once; billing of the new value starts now.
    /// </summary>
    /// <remarks>Setting the value already configured changes nothing and is not recorded: the simulator, like the agent, converges on a desired value.</remarks>
    /// <param name="functionIndex">The function.</param>
    /// <param name="count">The desired provisioned concurrency.</param>
    /// <param name="reason">Why, as the policy would explain it; kept in <see cref="SimulationResult.Decisions"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">Unknown function, negative count, or above the function's reserved concurrency.</exception>
    public void SetProvisionedConcurrency(int functionIndex, int count, string? reason = null)
    {
        CheckFunction(functionIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _run.CheckProvisionedCount(functionIndex, count);
        if (NowMs < HorizonMs && count != _run.GetConfiguredProvisionedConcurrency(functionIndex))
        {
            _run.Decide(PolicyDecisionKind.SetProvisionedConcurrency, functionIndex, count, reason);
            _run.SetProvisionedConcurrency(functionIndex, count, immediate: false);
        }
    }

    /// <summary>
    /// Only during <see cref="ISimulationPolicy.OnStart"/>: the provisioned concurrency the account already has when
    /// the trace begins, ready at t = 0 with environments born at 0 (billed from 0).
    /// </summary>
    /// <param name="functionIndex">The function.</param>
    /// <param name="count">Provisioned concurrency at t = 0.</param>
    /// <param name="reason">Why; kept in <see cref="SimulationResult.Decisions"/>.</param>
    /// <exception cref="InvalidOperationException">Called after the start.</exception>
    public void SetInitialProvisionedConcurrency(int functionIndex, int count, string? reason = null)
    {
        if (!InStart)
        {
            throw new InvalidOperationException("Initial provisioned concurrency can only be set in OnStart; later changes take 90 s through SetProvisionedConcurrency.");
        }

        CheckFunction(functionIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _run.CheckProvisionedCount(functionIndex, count);
        if (count != _run.GetConfiguredProvisionedConcurrency(functionIndex))
        {
            _run.Decide(PolicyDecisionKind.InitialProvisionedConcurrency, functionIndex, count, reason);
            _run.SetProvisionedConcurrency(functionIndex, count, immediate: true);
        }
    }

    /// <summary>Asks to be called back (<see cref="ISimulationPolicy.OnTimer"/>) at <paramref name="atMs"/>.</summary>
    /// <returns>False when the time is at or past the horizon and the timer will never fire.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The time is in the past.</exception>
    public bool ScheduleTimer(long atMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(atMs, NowMs);
        if (atMs >= HorizonMs)
        {
            return false;
        }

        _run.ScheduleTimer(atMs);
        return true;
    }

    private void CheckFunction(int functionIndex)
    {
        if ((uint)functionIndex >= (uint)Functions.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(functionIndex), functionIndex, $"There are {Functions.Count} functions.");
        }
    }
}

/// <summary>An append-only list of delivered observations; the simulator appends each at its time, so it never holds the future.</summary>
internal sealed class ObservationHistory : IReadOnlyList<PolicyObservation>
{
    private PolicyObservation[] _items = [];
    private int _count;

    public int Count => _count;

    public PolicyObservation this[int index] =>
        (uint)index < (uint)_count ? _items[index] : throw new ArgumentOutOfRangeException(nameof(index));

    public void Add(in PolicyObservation observation)
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, Math.Max(256, _items.Length * 2));
        }

        _items[_count++] = observation;
    }

    public IEnumerator<PolicyObservation> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return _items[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
