using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Scaling;
using WarmKeeper.Core.Warmup;

namespace WarmKeeper.Core.KeepWarm;

/// <summary>
/// What a keep-warm policy sees and the levers it has, at one instant of a driver's run. A driver reuses one context
/// per run and moves <see cref="NowMs"/> forward; actions act at <see cref="NowMs"/>.
/// </summary>
/// <remarks>
/// The public members check their arguments once here, so every driver refuses the same calls the same way; a driver
/// implements the protected core of each lever (the simulator on its platform model, the agent through the warm-up
/// planner and the reconciler).
/// </remarks>
public abstract class KeepWarmContext
{
    /// <summary>The current time in milliseconds from the start of the run.</summary>
    public abstract long NowMs { get; }

    /// <summary>The end of the run: actions and timers at or after it are ignored.</summary>
    public abstract long HorizonMs { get; }

    /// <summary>The instant <see cref="NowMs"/> = 0 stands for, so that the deciders that read instants read the driver's.</summary>
    public abstract DateTimeOffset Origin { get; }

    /// <summary>The target the functions belong to, as the agent's warm-up and concurrency policies name it.</summary>
    public abstract string Target { get; }

    /// <summary>The functions (name, memory, init), indexed as in observations and actions.</summary>
    public abstract IReadOnlyList<KeepWarmFunction> Functions { get; }

    /// <summary>
    /// Every observation delivered so far, oldest first, when the policy asked for <see cref="KeepWarmInterest.History"/>
    /// (empty otherwise). It holds nothing observed after <see cref="NowMs"/>.
    /// </summary>
    public abstract IReadOnlyList<KeepWarmObservation> History { get; }

    /// <summary>The account's concurrency limit (GetAccountSettings).</summary>
    public abstract int AccountConcurrencyLimit { get; }

    /// <summary>The provisioned concurrency currently configured for a function (what the policy last set).</summary>
    public int GetProvisionedConcurrency(int functionIndex)
    {
        CheckFunction(functionIndex);
        return ProvisionedConcurrencyCore(functionIndex);
    }

    /// <summary>The function's reserved concurrency, or null when it draws on the account's pool (configuration read from the target).</summary>
    public int? GetReservedConcurrency(int functionIndex)
    {
        CheckFunction(functionIndex);
        return ReservedConcurrencyCore(functionIndex);
    }

    /// <summary>Sends <paramref name="fanOut"/> concurrent warm-up pings to a function now (each holds an environment for a ping's length).</summary>
    /// <param name="functionIndex">The function.</param>
    /// <param name="fanOut">How many concurrent pings; 0 does nothing.</param>
    /// <param name="reason">Why, as the policy would explain it; kept with the driver's decisions.</param>
    /// <exception cref="ArgumentOutOfRangeException">Unknown function or negative fan-out.</exception>
    public void Ping(int functionIndex, int fanOut, string? reason = null)
    {
        CheckFunction(functionIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(fanOut);
        if (fanOut > 0)
        {
            PingCore(functionIndex, fanOut, reason);
        }
    }

    /// <summary>
    /// Runs one warm-up of <paramref name="fanOut"/> concurrent pings on a function now through the agent's warm-up
    /// planner (<see cref="WarmupRun"/>), so its fan-out is capped by <see cref="FanOutHeadroom"/> as a warm-up
    /// policy's would be.
    /// </summary>
    /// <param name="functionIndex">The function.</param>
    /// <param name="fanOut">Environments to keep warm.</param>
    /// <param name="inFlight">User invocations of the function running now, as the policy knows them (headroom).</param>
    /// <param name="reason">Why; kept with the driver's decisions.</param>
    /// <returns>The planner's report; null when the fan-out was 0 or the run is over.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Unknown function or negative fan-out.</exception>
    public WarmupRunReport? WarmUp(int functionIndex, int fanOut, int inFlight, string reason)
    {
        CheckFunction(functionIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(fanOut);
        return fanOut == 0 || NowMs >= HorizonMs ? null : WarmUpCore(functionIndex, fanOut, inFlight, reason);
    }

    /// <summary>
    /// Sets a function's provisioned concurrency now: an increase is ready some time later (90 s on the platform), a
    /// decrease turns the surplus provisioned environments into on-demand ones at once; billing of the new value starts now.
    /// </summary>
    /// <remarks>Setting the value already configured changes nothing and is not recorded: drivers converge on a desired value.</remarks>
    /// <param name="functionIndex">The function.</param>
    /// <param name="count">The desired provisioned concurrency.</param>
    /// <param name="reason">Why, as the policy would explain it; kept with the driver's decisions.</param>
    /// <exception cref="ArgumentOutOfRangeException">Unknown function, negative count, or above the function's reserved concurrency.</exception>
    public void SetProvisionedConcurrency(int functionIndex, int count, string? reason = null)
    {
        CheckFunction(functionIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        SetProvisionedConcurrencyCore(functionIndex, count, reason);
    }

    /// <summary>
    /// Only during <see cref="IKeepWarmPolicy.OnStart"/>: the provisioned concurrency the account already has when
    /// the run begins, ready at t = 0 (billed from 0).
    /// </summary>
    /// <param name="functionIndex">The function.</param>
    /// <param name="count">Provisioned concurrency at t = 0.</param>
    /// <param name="reason">Why; kept with the driver's decisions.</param>
    /// <exception cref="InvalidOperationException">Called after the start.</exception>
    public void SetInitialProvisionedConcurrency(int functionIndex, int count, string? reason = null)
    {
        if (!InStart)
        {
            throw new InvalidOperationException("Initial provisioned concurrency can only be set in OnStart; later changes take 90 s through SetProvisionedConcurrency.");
        }

        CheckFunction(functionIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        SetInitialProvisionedConcurrencyCore(functionIndex, count, reason);
    }

    /// <summary>
    /// Decides a function's provisioned concurrency now with the agent's <see cref="ConcurrencyDecider"/> under
    /// <paramref name="policy"/> and converges to it, the decider's state kept per function by the driver as the
    /// agent's reconciler keeps it.
    /// </summary>
    /// <returns>The decider's decision, with its votes and reason.</returns>
    public ScalingDecision DecideProvisionedConcurrency(int functionIndex, ConcurrencyPolicy policy, IDemandHistory demand)
    {
        CheckFunction(functionIndex);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(demand);
        return DecideProvisionedConcurrencyCore(functionIndex, policy, demand);
    }

    /// <summary>Asks to be called back (<see cref="IKeepWarmPolicy.OnTimer"/>) at <paramref name="atMs"/>.</summary>
    /// <returns>False when the time is at or past the horizon and the timer will never fire.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The time is in the past.</exception>
    public bool ScheduleTimer(long atMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(atMs, NowMs);
        if (atMs >= HorizonMs)
        {
            return false;
        }

        ScheduleTimerCore(atMs);
        return true;
    }

    /// <summary>True while the driver runs <see cref="IKeepWarmPolicy.OnStart"/>.</summary>
    protected internal bool InStart { get; set; }

    /// <summary>See <see cref="GetProvisionedConcurrency"/>; the function is known.</summary>
    protected abstract int ProvisionedConcurrencyCore(int functionIndex);

    /// <summary>See <see cref="GetReservedConcurrency"/>; the function is known.</summary>
    protected abstract int? ReservedConcurrencyCore(int functionIndex);

    /// <summary>See <see cref="Ping"/>; the function is known and the fan-out positive.</summary>
    protected abstract void PingCore(int functionIndex, int fanOut, string? reason);

    /// <summary>See <see cref="WarmUp"/>; the function is known, the fan-out positive and the run not over.</summary>
    protected abstract WarmupRunReport WarmUpCore(int functionIndex, int fanOut, int inFlight, string reason);

    /// <summary>See <see cref="SetProvisionedConcurrency"/>; the function is known and the count not negative.</summary>
    protected abstract void SetProvisionedConcurrencyCore(int functionIndex, int count, string? reason);

    /// <summary>See <see cref="SetInitialProvisionedConcurrency"/>; called only at the start.</summary>
    protected abstract void SetInitialProvisionedConcurrencyCore(int functionIndex, int count, string? reason);

    /// <summary>See <see cref="DecideProvisionedConcurrency"/>; the function is known.</summary>
    protected abstract ScalingDecision DecideProvisionedConcurrencyCore(int functionIndex, ConcurrencyPolicy policy, IDemandHistory demand);

    /// <summary>See <see cref="ScheduleTimer"/>; the time is within the run.</summary>
    protected abstract void ScheduleTimerCore(long atMs);

    private void CheckFunction(int functionIndex)
    {
        if ((uint)functionIndex >= (uint)Functions.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(functionIndex), functionIndex, $"There are {Functions.Count} functions.");
        }
    }
}
