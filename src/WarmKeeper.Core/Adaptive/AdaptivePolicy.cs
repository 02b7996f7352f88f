using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Scaling;

// Near 500 lines for a reason: this is the driver. Its decisions are pure functions of typed inputs, each with its
// reason (PingSchedule: when pings are due; PingDecider: what a check pings and why, how many to keep warm;
// RenewalDecider; ProvisioningDecider), and its parts are types of their own (AdaptiveAgenda, AdaptiveFunctionState,
// ProbeRoster, SavingsAccount). What remains is gathering their inputs, applying their decisions through the
// context's levers, and learning the idle timeout from each observation's outcome (OnArrival, OnPingCompleted,
// Conclude), which reads and writes the per-function state step by step and is the next candidate to move out.

namespace WarmKeeper.Core.Adaptive;

/// <summary>
/// The <c>adaptive</c> policy: keeps each function as warm as its own demand needs, spaced by the idle timeout it
/// learns from outcomes, and provisions concurrency where utilization makes it cheaper than pings.
/// </summary>
/// <remarks>
/// <para>What it sees is what the model allows: arrivals, completions (with their cold/warm outcome) and pings'
/// outcomes, each at its time; the functions' configuration (memory, init, reserved concurrency). Its decisions go
/// through the agent's classes: pings through the warm-up planner (<see cref="KeepWarmContext.WarmUp"/>),
/// provisioned concurrency through <see cref="ConcurrencyDecider"/> (<see cref="KeepWarmContext.DecideProvisionedConcurrency"/>).</para>
/// <list type="bullet">
/// <item><b>Idle timeout.</b> <see cref="IdleTimeoutEstimator"/>: a single routing that finds the function idle since
/// its last activity ended tells, when it is warm, that the timeout exceeds that gap. Keep-alive pings are spaced
/// by the longest gap proven survivable, never more. A few functions probe for a longer timeout without exposing
/// users: a fan-out-2 ping leaves a second, shadow environment that the keep-alive pings (fan-out 1, most recently
/// used first) never touch; a later fan-out-2 ping finds it warm or cold after a known idle gap.</item>
/// <item><b>Fan-out.</b> <see cref="WarmthForecast"/> predicts per function how many environments to keep warm
/// (a per-level idle-time histogram with head and tail percentiles, plus yesterday's same hour); a full ping warms
/// that many less those busy with users.</item>
/// <item><b>Lifetime.</b> The platform retires environments at a fixed age; the policy knows when each environment
/// was born (its cold start) and pings just then, so the replacement's cold start is a ping's, not a user's.</item>
/// <item><b>Provisioned concurrency.</b> Where the j-th environment was busy more than the break-even share of
/// each of the last two windows (<see cref="UtilizationByLevel"/>), the decider is given a policy allowing that
/// many provisioned environments.</item>
/// </list>
/// </remarks>
public sealed class AdaptivePolicy : IKeepWarmPolicy
{
    private readonly AdaptiveOptions _options;
    private readonly PlatformPrices _prices;
    private readonly double _breakEven;
    private readonly IdleTimeoutEstimator _timeout;
    private readonly long _pingDurationMs = 100;
    private readonly AdaptiveAgenda _agenda = new();
    private AdaptiveFunctionState[] _functions = [];
    private SavingsAccount? _savings;
    private ProbeRoster? _probes;
    private ObservedDemand? _demand;
    private IReadOnlyList<KeepWarmFunction> _configurations = [];

    /// <summary>Creates the policy.</summary>
    /// <param name="options">Its knobs; null for the defaults.</param>
    /// <param name="prices">Prices that set the break-even utilization of provisioned concurrency; null for the model's.</param>
    public AdaptivePolicy(AdaptiveOptions? options = null, PlatformPrices? prices = null)
    {
        _options = options ?? new AdaptiveOptions();
        var p = prices ?? PlatformPrices.UsEast1X86;
        _prices = p;
        _breakEven = UtilizationByLevel.BreakEvenUtilization(p.OnDemandPerGbSecond, p.ProvisionedConcurrencyPerGbSecond, p.ProvisionedDurationPerGbSecond);
        _timeout = new IdleTimeoutEstimator(_options);
    }

    /// <summary>The policy's name in results.</summary>
    public const string Name = "adaptive";

    /// <summary>A factory for runs.</summary>
    public static IKeepWarmPolicyFactory Factory(AdaptiveOptions? options = null, PlatformPrices? prices = null) =>
        new KeepWarmPolicyFactory(Name, _ => new AdaptivePolicy(options, prices));

    /// <summary>What the policy has learned of the idle timeout (for reports and tests).</summary>
    public IdleTimeoutEstimator IdleTimeout => _timeout;

    /// <inheritdoc />
    public KeepWarmInterest Interest => KeepWarmInterest.Arrivals | KeepWarmInterest.Completions | KeepWarmInterest.Pings;

    /// <inheritdoc />
    public void OnStart(KeepWarmContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _demand = new ObservedDemand(context);
        _configurations = context.Functions;
        _functions = [.. context.Functions.Select(_ => new AdaptiveFunctionState(_options))];
        _savings = new SavingsAccount(_options, _prices, context.Functions, _pingDurationMs);
        _probes = new ProbeRoster(_functions, context.Functions, _timeout, _options.ParallelProbes, _pingDurationMs);
        for (var function = 0; function < _functions.Length; function++)
        {
            Check(context, function);
        }

        Schedule(context, _options.ReconcileIntervalMs, new AgendaItem(AgendaKind.Reconcile, -1, 0));
    }

    /// <inheritdoc />
    public void OnTimer(KeepWarmContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var now = context.NowMs;
        _agenda.TimerFired(now);
        while (_agenda.TryTakeDue(now, out var item, out var at))
        {
            switch (item.Kind)
            {
                case AgendaKind.Check when _functions[item.Function].NextCheckMs == at:
                    _functions[item.Function].NextCheckMs = long.MaxValue;
                    Check(context, item.Function);
                    break;
                case AgendaKind.Renew:
                    Renew(context, item.Function, item.Value);
                    break;
                case AgendaKind.Reconcile:
                    Reconcile(context);
                    Schedule(context, now + _options.ReconcileIntervalMs, item);
                    break;
            }
        }

        EnsureTimer(context);
    }

    /// <inheritdoc />
    public void OnObservation(KeepWarmContext context, in KeepWarmObservation observation)
    {
        ArgumentNullException.ThrowIfNull(context);
        var function = observation.FunctionIndex;
        var state = _functions[function];
        var now = context.NowMs;
        _demand!.Observe(observation);
        switch (observation.Kind)
        {
            case ObservationKind.InvocationArrived:
                OnArrival(context, function, state, observation.ArrivalMs);
                break;
            case ObservationKind.InvocationCompleted:
                state.Utilization.OnCompletion(observation.ArrivalMs, now);
                state.FeedForecast(observation.ArrivalMs, observation.DurationMs, now);
                if (observation.Start == StartKind.Cold)
                {
                    AddBirth(context, function, observation.ArrivalMs);
                }

                if (state.UserCandidateArrivalMs == observation.ArrivalMs && observation.Start != StartKind.Provisioned)
                {
                    Conclude(state.UserCandidateGapMs, warm: observation.Start == StartKind.Warm, state.UserCandidateLifetimePossible);
                    state.UserCandidateArrivalMs = -1;
                }

                OnActivityEnded(context, function, state, observation.ObservedAtMs);
                break;
            case ObservationKind.PingCompleted:
                state.PingsInFlight = Math.Max(0, state.PingsInFlight - 1);
                if (observation.Start == StartKind.Cold)
                {
                    _savings!.PayColdPing(function);
                    AddBirth(context, function, observation.ArrivalMs);
                }

                OnPingCompleted(function, state, observation);
                OnActivityEnded(context, function, state, observation.ObservedAtMs);
                break;
            case ObservationKind.PingThrottled:
                state.PingsInFlight = Math.Max(0, state.PingsInFlight - 1);
                state.Run = null;
                break;
        }

        EnsureTimer(context);
    }

    private void OnArrival(KeepWarmContext context, int function, AdaptiveFunctionState state, long arrivalMs)
    {
        var users = _demand!.InFlight(function);
        state.InFlightArrivals.Add(arrivalMs);
        state.Utilization.OnArrival(arrivalMs);
        var desired = DesiredWarm(function, state, arrivalMs);
        if (users > 1 && users >= desired)
        {
            // Users hold every environment the forecast keeps: each of them is fresh again, as a full ping would leave it.
            state.LastFullPingMs = Math.Max(state.LastFullPingMs, arrivalMs);
            state.LastPingedLevel = Math.Max(state.LastPingedLevel, desired);
        }

        var othersInFlight = users - 1 + state.PingsInFlight;
        if (othersInFlight == 0 && state.LastEndMs >= 0 && context.GetProvisionedConcurrency(function) == 0)
        {
            // A single routing onto an idle function: its outcome says whether the most recent environment survived.
            state.UserCandidateArrivalMs = arrivalMs;
            state.UserCandidateGapMs = arrivalMs - state.LastEndMs;
            state.UserCandidateLifetimePossible = LifetimePossible(state, arrivalMs);
        }
        else if (othersInFlight > 0 && state.Probe is { } probe)
        {
            // It may have taken the shadow environment: this probe proves nothing.
            probe.Spoiled = true;
        }
    }

    private void OnActivityEnded(KeepWarmContext context, int function, AdaptiveFunctionState state, long endMs)
    {
        state.LastEndMs = Math.Max(state.LastEndMs, endMs);
        if (_demand!.InFlight(function) + state.PingsInFlight > 0)
        {
            return;
        }

        if (state.RenewalPending)
        {
            state.RenewalPending = false;
            RenewNow(context, function, state);
        }

        if (state.WaitingForIdle)
        {
            state.WaitingForIdle = false;
            ScheduleCheck(context, function, Math.Max(context.NowMs, NextDue(function, state, context.NowMs)));
        }
    }

    private void OnPingCompleted(int function, AdaptiveFunctionState state, in KeepWarmObservation observation)
    {
        if (state.Run is not { } run || run.AtMs != observation.ArrivalMs)
        {
            return;
        }

        run.Remaining--;
        run.Warm += observation.Start == StartKind.Warm ? 1 : 0;

        run.EarliestEndMs = Math.Min(run.EarliestEndMs, observation.ObservedAtMs);
        if (run.Remaining > 0)
        {
            return;
        }

        state.Run = null;
        if (run.IsProbe && state.Probe is { } probe)
        {
            _probes!.Completed(function, probe, run);
        }
        else if (run.Evidence)
        {
            Conclude(run.GapMs, warm: run.Warm > 0, run.LifetimePossible);
        }
    }

    private void Conclude(long gapMs, bool warm, bool lifetimePossible)
    {
        if (warm)
        {
            _timeout.ObserveSurvived(gapMs);
        }
        else if (!lifetimePossible)
        {
            _timeout.ObserveExpired(gapMs);
        }
    }

    /// <summary>Pings the function if a keep-alive, a pre-warm or a probe is due, and schedules the next check.</summary>
    private void Check(KeepWarmContext context, int function)
    {
        var state = _functions[function];
        var now = context.NowMs;
        var desired = DesiredWarm(function, state, now);
        var users = _demand!.InFlight(function);
        _probes!.TryEnlist(function, desired);

        if (state.Probe is { } probe && (desired > 1 || state.Forecast.Peak > 1))
        {
            _probes!.Release(function);
        }

        var decision = PingDecider.Decide(new CheckInputs(
            Schedule(function, state, now, desired), users, state.PingsInFlight, state.LastPingedLevel, _configurations[function].InitMs));
        if (decision.HoldProbeUntilMs is { } hold)
        {
            state.Probe!.HoldUntilMs = hold;
        }

        switch (decision.Action)
        {
            case PingAction.WaitForIdle:
                state.WaitingForIdle = true;
                return;
            case PingAction.Probe:
                var sent = Ping(context, function, state, decision.FanOut, users, isProbe: true, decision.Reason);
                state.LastFullPingMs = now;
                if (sent < 2)
                {
                    // No room for a second environment here (reserved or account concurrency): probe elsewhere.
                    state.CannotProbe = true;
                    _probes!.Release(function);
                }

                break;
            case PingAction.FullPing:
                Ping(context, function, state, decision.FanOut, users, isProbe: false, decision.Reason);
                state.LastFullPingMs = now;
                state.LastPingedLevel = desired;
                state.FullPingOwedByMs = long.MaxValue;
                break;
            case PingAction.KeepAlive:
                Ping(context, function, state, decision.FanOut, users, isProbe: false, decision.Reason);
                break;
        }

        ScheduleCheck(context, function, NextDue(function, state, now));
    }

    private long NextDue(int function, AdaptiveFunctionState state, long now) =>
        PingSchedule.NextCheck(Schedule(function, state, now, DesiredWarm(function, state, now)));

    /// <summary>Gathers what the ping schedule depends on from the function's state, the estimate and the account.</summary>
    private ScheduleInputs Schedule(int function, AdaptiveFunctionState state, long now, int desired) => new(
        now,
        _timeout.SafeGapMs,
        state.LastEndMs,
        state.LastFullPingMs,
        state.FullPingOwedByMs,
        state.PingRefusedAtMs,
        desired,
        state.Probe is { } probe ? new ProbeTimes(probe.ShadowEndMs, probe.GapMs, probe.HoldUntilMs) : null,
        _savings!.CanAffordProbe(function),
        state.Forecast.NextRewarmAtMs(now),
        state.Forecast,
        new PingSpacing(_pingDurationMs, _options.CollisionGuardMs));

    /// <returns>How many pings ran.</returns>
    private int Ping(KeepWarmContext context, int function, AdaptiveFunctionState state, int fanOut, int users, bool isProbe, PingReason reason)
    {
        if (fanOut <= 0)
        {
            return 0;
        }

        var now = context.NowMs;
        var idle = users + state.PingsInFlight == 0;
        var lifetimePossible = LifetimePossible(state, now);
        var report = context.WarmUp(function, fanOut, users, reason.Describe());
        var sent = report?.Sent - report?.Throttled ?? 0;
        if (sent <= 0)
        {
            state.PingRefusedAtMs = now;
            return 0;
        }

        state.PingsInFlight += sent;
        _savings!.PayPings(function, sent);
        state.Run = new PingRun
        {
            AtMs = now,
            Sent = sent,
            Remaining = sent,
            IsProbe = isProbe,
            Evidence = idle && state.LastEndMs >= 0 && context.GetProvisionedConcurrency(function) == 0,
            GapMs = now - state.LastEndMs,
            ShadowGapMs = reason.ShadowGapMs,
            LifetimePossible = lifetimePossible,
        };
        return sent;
    }

    private int DesiredWarm(int function, AdaptiveFunctionState state, long nowMs) => PingDecider.DesiredWarm(new WarmthInputs(
        state.Forecast.DesiredWarm(nowMs), state.Forecast.Peak, _savings!.PingUsd(function), _savings!.InitUsd(function), _pingDurationMs, _timeout.SafeGapMs, _savings!.SpendableUsd));

    private void AddBirth(KeepWarmContext context, int function, long bornMs)
    {
        if (_functions[function].AddBirth(bornMs, _options.EnvironmentLifetimeMs, RenewalCoalesceMs) is { } renewal)
        {
            Schedule(context, renewal - HandoverLeadMs(function), new AgendaItem(AgendaKind.Renew, function, renewal));
        }
    }

    /// <summary>How long before an environment's end of life its replacement is started so that it is ready in time.</summary>
    private long HandoverLeadMs(int function) => _configurations[function].InitMs + (2 * _pingDurationMs) + _options.CollisionGuardMs;

    private const long RenewalCoalesceMs = 30_000;

    /// <summary>Replaces environments reaching the platform's lifetime, as <see cref="RenewalDecider"/> decides.</summary>
    private void Renew(KeepWarmContext context, int function, long renewalMs)
    {
        var state = _functions[function];
        var now = context.NowMs;
        var decision = RenewalDecider.Decide(new RenewalInputs(
            now,
            renewalMs,
            state.Renewals.Contains(renewalMs),
            _demand!.InFlight(function) + state.PingsInFlight > 0,
            state.Probe is not null,
            DesiredWarm(function, state, now),
            RetiringAt(state, renewalMs),
            state.Forecast.PredictedArrivalWithin(renewalMs, renewalMs + HandoverLeadMs(function), rhythmOnly: true) is not null,
            _savings!.CanAffordExtra(_savings!.PingUsd(function)),
            state.FullPingOwedByMs));
        switch (decision.Action)
        {
            case RenewalAction.Defer:
                Schedule(context, renewalMs, new AgendaItem(AgendaKind.Renew, function, renewalMs));
                return;
            case RenewalAction.Stale:
                return;
        }

        state.Renewals.Remove(renewalMs);
        switch (decision.Action)
        {
            case RenewalAction.Handover:
                RenewNow(context, function, state, handover: true);
                break;
            case RenewalAction.OweFullPing:
                state.FullPingOwedByMs = decision.FullPingOwedByMs;
                ScheduleCheck(context, function, state.FullPingOwedByMs);
                break;
            case RenewalAction.WaitForIdle:
                state.RenewalPending = true;
                break;
            case RenewalAction.Replace:
                RenewNow(context, function, state, handover: false);
                break;
        }
    }

    /// <summary>How many environments, born within the coalescing window, reach their end of life at <paramref name="renewalMs"/>.</summary>
    private int RetiringAt(AdaptiveFunctionState state, long renewalMs)
    {
        var born = renewalMs - _options.EnvironmentLifetimeMs;
        return state.Births.Count(b => b > born - RenewalCoalesceMs && b <= born);
    }

    private void RenewNow(KeepWarmContext context, int function, AdaptiveFunctionState state, bool handover = false)
    {
        var now = context.NowMs;
        var desired = DesiredWarm(function, state, now);
        var users = _demand!.InFlight(function);
        Ping(context, function, state, RenewalDecider.FanOut(desired, users, handover), users, isProbe: false,
            new PingReason(handover ? PingCause.Handover : PingCause.Renewal, _timeout.SafeGapMs, desired, users));
        state.LastFullPingMs = now;
        state.FullPingOwedByMs = long.MaxValue;
        state.Births.RemoveAll(b => b <= now - _options.EnvironmentLifetimeMs);
        if (state.Probe is { } probe)
        {
            probe.Spoiled = true;
        }
    }

    private bool LifetimePossible(AdaptiveFunctionState state, long nowMs) =>
        state.Births.Count > 0 && state.Births[0] <= nowMs - _options.EnvironmentLifetimeMs;

    private void Reconcile(KeepWarmContext context)
    {
        var now = context.NowMs;
        for (var function = 0; function < _functions.Length; function++)
        {
            var state = _functions[function];
            var credit = ProvisioningDecider.PlainWarmer(new PlainWarmerInputs(
                now, state.Forecast.Peak, state.BaselinePeak, state.BaselineLifetimes, _savings!.PingUsd(function), _savings!.InitUsd(function), _options, _pingDurationMs));
            state.BaselinePeak = credit.BaselinePeak;
            state.BaselineLifetimes = credit.BaselineLifetimes;
            _savings!.CreditBaseline(credit.Usd);
            var levels = state.Utilization.LevelsAbove(now, _breakEven + _options.UtilizationMargin);
            var decision = ProvisioningDecider.Provisioning(levels, context.GetProvisionedConcurrency(function));
            if (!decision.Decide)
            {
                continue;
            }

            state.ScalingPolicy ??= new ConcurrencyPolicy
            {
                Id = "adaptive",
                Target = context.Target,
                Function = context.Functions[function].Name,
                Qualifier = "live",
                TargetUtilization = ScalingDefaults.MaxTargetUtilization,
                Burst = false,
            };
            state.ScalingPolicy = state.ScalingPolicy with { Min = 0, Max = decision.MaxProvisioned };
            context.DecideProvisionedConcurrency(function, state.ScalingPolicy, _demand!.For(function));
        }
    }

    private void ScheduleCheck(KeepWarmContext context, int function, long atMs)
    {
        var state = _functions[function];
        if (atMs >= state.NextCheckMs && state.NextCheckMs > context.NowMs)
        {
            return;
        }

        state.NextCheckMs = atMs;
        Schedule(context, atMs, new AgendaItem(AgendaKind.Check, function, 0));
    }

    private void Schedule(KeepWarmContext context, long atMs, AgendaItem item) => _agenda.Schedule(context, atMs, item);

    private void EnsureTimer(KeepWarmContext context) => _agenda.EnsureTimer(context);
}
