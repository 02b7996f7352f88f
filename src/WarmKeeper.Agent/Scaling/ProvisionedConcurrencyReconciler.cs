using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Agent.Events;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Scaling;
using WarmKeeper.Lambda;

namespace WarmKeeper.Agent.Scaling;

/// <summary>What one policy's reconciliation did.</summary>
public sealed record ReconcileOutcome(string PolicyId, ScalingDecision? Decision, bool Applied, string? Skipped, string? Error);

/// <summary>
/// On a timer: for every enabled policy, read the actual provisioned concurrency from the target
/// (never from memory), decide the desired value, and put the absolute value only when they differ.
/// Repeating a tick is harmless; every change, or change that would have happened, is an event.
/// </summary>
public sealed partial class ProvisionedConcurrencyReconciler(
    ConcurrencyPolicyStore policies,
    ILambdaTargets targets,
    DemandRecorder demand,
    EventLog events,
    IDbContextFactory<WarmKeeperDbContext> contexts,
    TimeProvider timeProvider,
    IOptions<ScalingOptions> options,
    ILogger<ProvisionedConcurrencyReconciler> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, ScalingState> _states = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ReconcileOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogTickFailed(e);
            }
        }
    }

    /// <summary>
    /// One pass over every enabled policy, <see cref="ScalingOptions.Concurrency"/> at a time; the
    /// outcomes are in the order of the policies. The tick's scaling events are written as they come,
    /// several to a commit when they come faster than commits, and all by the time the tick ends, however it ends.
    /// </summary>
    public async Task<IReadOnlyList<ReconcileOutcome>> ReconcileOnceAsync(CancellationToken cancellationToken)
    {
        var all = await policies.ListAsync(cancellationToken);
        var enabled = new List<ConcurrencyPolicy>(all.Count);
        foreach (var stored in all)
        {
            if (stored.Value is { Enabled: true, Paused: false } policy)
            {
                enabled.Add(policy);
            }
        }

        var outcomes = new ReconcileOutcome[enabled.Count];
        using var tick = new Tick(events);
        try
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Value.Concurrency, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(
                Enumerable.Range(0, enabled.Count),
                parallel,
                async (i, token) => outcomes[i] = await ReconcileAsync(enabled[i], tick, token));
        }
        finally
        {
            // Changes already sent are recorded even when the tick is cancelled (the agent is stopping).
            await tick.FlushAsync();
        }

        return outcomes;
    }

    /// <summary>Forget a policy's remembered state (it was deleted or replaced).</summary>
    public void Forget(string policyId) => _states.TryRemove(policyId, out _);

    private async ValueTask<ReconcileOutcome> ReconcileAsync(ConcurrencyPolicy policy, Tick tick, CancellationToken cancellationToken)
    {
        if (!targets.TryGet(policy.Target, out var lambda))
        {
            return new ReconcileOutcome(policy.Id, null, false, null, $"Unknown target '{policy.Target}'.");
        }

        ScalingDecision decision;
        ScalingState state;
        (int Requested, string Status) actual;
        try
        {
            actual = await ReadActualAsync(lambda, policy, cancellationToken);
            var reserved = (await lambda.GetFunctionConcurrencyAsync(policy.Function, cancellationToken)).ReservedConcurrentExecutions;
            var unreserved = await tick.UnreservedConcurrencyAsync(policy.Target, lambda, cancellationToken);
            state = _states.GetOrAdd(policy.Id, static (_, startedAt) => new ScalingState(startedAt), demand.StartedAt);
            var inputs = new ScalingInputs(
                policy,
                actual.Requested,
                policy.Predictive ? await PredictiveHistoryAsync(policy, cancellationToken) : demand.For(KeyOf(policy)),
                state,
                new CapacityLimits(reserved, unreserved, options.Value.UnreservedFloor),
                timeProvider.GetUtcNow());
            decision = ConcurrencyDecider.Decide(inputs);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogReadFailed(e, policy.Id);
            return new ReconcileOutcome(policy.Id, null, false, null, e.Message);
        }

        if (!decision.Changes)
        {
            // Most ticks change nothing and keep the state they found: no write then.
            if (!ReferenceEquals(decision.NextState, state))
            {
                _states[policy.Id] = decision.NextState;
            }

            return new ReconcileOutcome(policy.Id, decision, false, null, null);
        }

        // Piling puts on an allocation in progress restarts it; only a larger value is worth that.
        if (actual.Status == Lambda.Wire.ProvisionedConcurrencyStatus.InProgress && decision.Desired <= actual.Requested)
        {
            return new ReconcileOutcome(policy.Id, decision, false, "allocation in progress", null);
        }

        string? error = null;
        var applied = false;
        if (!policy.DryRun)
        {
            // Once a change is sent it is seen through and recorded, even while the agent shuts down:
            // a change the target applied must never go unrecorded (the call's own timeout bounds it).
            try
            {
                if (decision.Desired > 0)
                {
                    await lambda.PutProvisionedConcurrencyConfigAsync(policy.Function, policy.Qualifier, decision.Desired, CancellationToken.None);
                }
                else
                {
                    await lambda.DeleteProvisionedConcurrencyConfigAsync(policy.Function, policy.Qualifier, CancellationToken.None);
                }

                applied = true;
            }
            catch (Exception e)
            {
                error = e.Message;
                LogApplyFailed(e, policy.Id, decision.Desired);
            }
        }

        // A scale-out that did not happen must not start the scale-in delay.
        _states[policy.Id] = applied || policy.DryRun
            ? decision.NextState
            : decision.NextState with { LastScaleOutAt = _states.GetValueOrDefault(policy.Id)?.LastScaleOutAt };
        LogDecision(policy.Id, decision.Current, decision.Desired, applied, policy.DryRun, decision.Reason);
        tick.Record(ToEvent(policy, decision, applied, error, timeProvider.GetUtcNow()));
        return new ReconcileOutcome(policy.Id, decision, applied, null, error);
    }

    private static DemandKey KeyOf(ConcurrencyPolicy policy) => new(policy.Target, policy.Function, policy.Qualifier);

    /// <summary>Recent seconds from memory, and the stored minutes of yesterday and last week.</summary>
    private async Task<IDemandHistory> PredictiveHistoryAsync(ConcurrencyPolicy policy, CancellationToken cancellationToken)
    {
        var key = KeyOf(policy);
        var recent = demand.For(key);
        var now = timeProvider.GetUtcNow();
        var span = policy.PredictionLead + policy.StableWindow;
        long dayFrom = (now - TimeSpan.FromDays(1) - TimeSpan.FromMinutes(15)).ToUnixTimeSeconds(), dayTo = (now - TimeSpan.FromDays(1) + span).ToUnixTimeSeconds();
        long weekFrom = (now - TimeSpan.FromDays(7)).ToUnixTimeSeconds(), weekTo = (now - TimeSpan.FromDays(7) + span).ToUnixTimeSeconds();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var minutes = await db.DemandMinutes.AsNoTracking()
            .Where(m => m.Target == key.Target && m.Function == key.Function && m.Qualifier == key.Qualifier
                        && ((m.MinuteUnix >= dayFrom && m.MinuteUnix < dayTo) || (m.MinuteUnix >= weekFrom && m.MinuteUnix < weekTo)))
            .ToListAsync(cancellationToken);
        return new CombinedDemandHistory(recent, now - options.Value.DemandDetail, minutes);
    }

    private static async ValueTask<(int Requested, string Status)> ReadActualAsync(ILambdaControlPlane lambda, ConcurrencyPolicy policy, CancellationToken cancellationToken)
    {
        try
        {
            var config = await lambda.GetProvisionedConcurrencyConfigAsync(policy.Function, policy.Qualifier, cancellationToken);
            return (config.RequestedProvisionedConcurrentExecutions, config.Status);
        }
        catch (ProvisionedConcurrencyConfigNotFoundException)
        {
            return (0, Lambda.Wire.ProvisionedConcurrencyStatus.Ready);
        }
    }

    private static NewEvent ToEvent(ConcurrencyPolicy policy, ScalingDecision decision, bool applied, string? error, DateTimeOffset time)
    {
        var data = new JsonObject
        {
            ["current"] = decision.Current,
            ["desired"] = decision.Desired,
            ["applied"] = applied,
            ["dryRun"] = policy.DryRun,
            ["reason"] = decision.Reason,
            ["lower"] = decision.Lower,
            ["upper"] = decision.Upper,
            ["error"] = error,
            ["votes"] = JsonSerializer.SerializeToNode(decision.Votes, JsonSerializerOptions.Web),
        };
        var verb = policy.DryRun ? "would set" : applied ? "set" : "failed to set";
        return new NewEvent(
            EventKinds.ScalingDecision,
            $"policy:{policy.Id}",
            $"{policy.Function}:{policy.Qualifier} provisioned concurrency: {verb} {decision.Current} → {decision.Desired} ({decision.Reason})",
            data, policy.Target, policy.Function, policy.Qualifier, policy.Id, time);
    }

    /// <summary>What one tick shares between the policies it reconciles at once.</summary>
    /// <remarks>
    /// Events are written as they come, by one writer at a time in the background: whatever
    /// accumulated while a commit was in flight goes in the next one. A lone change is recorded one
    /// commit after it was made, as before; a tick changing many policies makes few commits.
    /// </remarks>
    private sealed class Tick(EventLog events) : IDisposable
    {
        private readonly Dictionary<string, int> _unreserved = new(StringComparer.Ordinal);
        private readonly SemaphoreSlim _accountRead = new(1, 1);
        private readonly Lock _pendingLock = new();
        private List<NewEvent> _pending = [];
        private bool _writing;
        private Task _writer = Task.CompletedTask;

        /// <summary>The target's unreserved concurrency, read once per tick (again only after a failed read).</summary>
        public async ValueTask<int> UnreservedConcurrencyAsync(string target, ILambdaControlPlane lambda, CancellationToken cancellationToken)
        {
            lock (_unreserved)
            {
                if (_unreserved.TryGetValue(target, out var known))
                {
                    return known;
                }
            }

            await _accountRead.WaitAsync(cancellationToken);
            try
            {
                lock (_unreserved)
                {
                    if (_unreserved.TryGetValue(target, out var known))
                    {
                        return known;
                    }
                }

                var read = (await lambda.GetAccountSettingsAsync(cancellationToken)).AccountLimit.UnreservedConcurrentExecutions;
                lock (_unreserved)
                {
                    _unreserved[target] = read;
                }

                return read;
            }
            finally
            {
                _accountRead.Release();
            }
        }

        /// <summary>Queues the event of a change made, to be written at once or with the next commit.</summary>
        public void Record(NewEvent e)
        {
            lock (_pendingLock)
            {
                _pending.Add(e);
                if (!_writing)
                {
                    _writing = true;
                    _writer = Task.Run(WriteAsync, CancellationToken.None);
                }
            }
        }

        /// <summary>
        /// Waits for the writer and writes what is still pending (after a failed commit), never
        /// cancelled: a change made must be recorded. Throws when that last write fails.
        /// </summary>
        public async Task FlushAsync()
        {
            Task writer;
            lock (_pendingLock)
            {
                writer = _writer;
            }

            await writer;
            List<NewEvent> rest;
            lock (_pendingLock)
            {
                (rest, _pending) = (_pending, []);
            }

            await events.AppendRangeAsync(rest, CancellationToken.None);
        }

        /// <summary>Writes the pending events, a commit per batch, until none are left or a commit fails (then they stay pending).</summary>
        private async Task WriteAsync()
        {
            while (true)
            {
                List<NewEvent> batch;
                lock (_pendingLock)
                {
                    if (_pending.Count == 0)
                    {
                        _writing = false;
                        return;
                    }

                    (batch, _pending) = (_pending, []);
                }

                try
                {
                    await events.AppendRangeAsync(batch, CancellationToken.None);
                }
                catch (Exception)
                {
                    lock (_pendingLock)
                    {
                        batch.AddRange(_pending);
                        _pending = batch;
                        _writing = false;
                    }

                    return; // left for the tick's last flush, which reports a failure
                }
            }
        }

        public void Dispose() => _accountRead.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scaling {PolicyId}: {Current} -> {Desired} applied={Applied} dryRun={DryRun}: {Reason}")]
    private partial void LogDecision(string policyId, int current, int desired, bool applied, bool dryRun, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scaling {PolicyId}: could not read the target")]
    private partial void LogReadFailed(Exception exception, string policyId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scaling {PolicyId}: could not set provisioned concurrency to {Desired}")]
    private partial void LogApplyFailed(Exception exception, string policyId, int desired);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scaling tick failed")]
    private partial void LogTickFailed(Exception exception);
}
