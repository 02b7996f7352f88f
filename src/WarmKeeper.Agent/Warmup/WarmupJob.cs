using Hangfire;
using WarmKeeper.Agent.Events;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Warmup;
using Microsoft.Extensions.Options;
using WarmKeeper.Agent.Hosting;
using WarmKeeper.Lambda;
using WarmKeeper.Lambda.CloudWatch;
using WarmKeeper.Lambda.Wire;
using WarmKeeper.Core.Scheduling;

namespace WarmKeeper.Agent.Warmup;

/// <summary>Why a run happened.</summary>
public static class WarmupTriggers
{
    public const string Schedule = "schedule";
    public const string Created = "created";
    public const string Enabled = "enabled";
    public const string Manual = "manual";
}

/// <summary>
/// One warm-up run of a stored policy, as Hangfire calls it. Failures are recorded as events and
/// never retried: the next occurrence is the retry.
/// </summary>
public sealed partial class WarmupJob(
    WarmupPolicyStore policies,
    ILambdaTargets targets,
    IOptions<AgentOptions> agentOptions,
    IInFlightGauge inFlight,
    EventLog events,
    AgentPingProof pingProof,
    SentPings sentPings,
    TimeProvider timeProvider,
    ILogger<WarmupJob> logger)
{
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public async Task RunScheduledAsync(string policyId, CancellationToken cancellationToken)
    {
        var stored = await policies.GetAsync(policyId, cancellationToken);
        if (stored is null || !stored.Value.Enabled)
        {
            return;
        }

        var policy = stored.Value;
        if (policy.ActiveWindow is { } window)
        {
            var schedule = CronSchedule.Parse(policy.Schedule, policy.TimeZone);
            if (!window.Contains(schedule.ToLocal(timeProvider.GetUtcNow())))
            {
                LogOutsideWindow(policy.Id);
                return;
            }
        }

        await RunAsync(policy, WarmupTriggers.Schedule, cancellationToken);
    }

    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task RunByIdAsync(string policyId, string trigger, CancellationToken cancellationToken)
    {
        var stored = await policies.GetAsync(policyId, cancellationToken);
        if (stored is not null)
        {
            await RunAsync(stored.Value, trigger, cancellationToken);
        }
    }

    /// <summary>Runs the policy now and records the run; never throws for a failed run.</summary>
    public async Task<RecordedWarmupRun> RunAsync(WarmupPolicy policy, string trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        try
        {
            if (!targets.TryGet(policy.Target, out var lambda))
            {
                throw new InvalidOperationException($"The target '{policy.Target}' is not configured.");
            }

            var headroom = await MeasureHeadroomAsync(lambda, policy, cancellationToken);
            using var logs = LogsClientFor(policy.Target);
            var locator = logs is null ? null : new CloudWatchLogsEnvironmentLocator(logs, agentOptions.Value.Targets[policy.Target].CloudWatchLogs, timeProvider);
            var report = await new WarmupRun(new LambdaWarmupPinger(targets, timeProvider, pingProof, sentPings), timeProvider, locator, NoLocatorReason(policy.Target))
                .ExecuteAsync(policy, headroom, cancellationToken) with { Trigger = trigger };
            var recorded = await events.AppendAsync(ToEvent(policy, report), cancellationToken);
            LogRun(policy.Id, report.Requested, report.Sent, report.Cold, report.Warm, report.DistinctEnvironments, report.Errors);
            return new RecordedWarmupRun(recorded.Id, recorded.Kind, recorded.Summary, report, null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogRunFailed(e, policy.Id);
            var failure = new WarmupRunFailure(trigger, e.Message);
            var recorded = await events.AppendAsync(
                new NewEvent(EventKinds.WarmupRunFailed, $"policy:{policy.Id}", $"Warm-up of {policy.Function} failed: {e.Message}", failure.ToJson(),
                    policy.Target, policy.Function, policy.Qualifier, policy.Id),
                CancellationToken.None);
            return new RecordedWarmupRun(recorded.Id, recorded.Kind, recorded.Summary, null, failure);
        }
    }

    /// <summary>A Logs client for one run, where the target has CloudWatch Logs enabled; runs are minutes apart, so its connections are not kept.</summary>
    private CloudWatchLogsClient? LogsClientFor(string target) =>
        agentOptions.Value.Targets.TryGetValue(target, out var options) && options.CloudWatchLogs.Enabled
            ? new CloudWatchLogsClient(options, timeProvider: timeProvider, logger: logger)
            : null;

    private string NoLocatorReason(string target) =>
        agentOptions.Value.Targets.ContainsKey(target)
            ? $"no answer named its environment and CloudWatch Logs is off for target '{target}' (set WarmKeeper:Targets:{target}:CloudWatchLogs:Enabled, with logs:FilterLogEvents allowed)"
            : $"no answer named its environment (the target '{target}' sent no {WarmKeeperHeaders.EnvironmentId} header)";

    private async Task<Headroom> MeasureHeadroomAsync(ILambdaControlPlane lambda, WarmupPolicy policy, CancellationToken cancellationToken)
    {
        var reserved = await lambda.GetFunctionConcurrencyAsync(policy.Function, cancellationToken);
        var account = await lambda.GetAccountSettingsAsync(cancellationToken);
        var running = inFlight.InFlight(policy.Target, policy.Function) ?? 0;
        return new Headroom(reserved.ReservedConcurrentExecutions, account.AccountLimit.UnreservedConcurrentExecutions, running);
    }

    private static NewEvent ToEvent(WarmupPolicy policy, WarmupRunReport report)
    {
        var envs = report.DistinctEnvironments is { } d
            ? $"{d} distinct environment{(d == 1 ? "" : "s")} (by {report.EnvironmentsCountedBy})"
            : "environments not counted";
        var summary = $"Warm-up of {policy.Function}{(policy.Qualifier is null ? "" : ":" + policy.Qualifier)}: {report.Sent} ping(s) for {report.Requested}, " +
                      $"{report.Cold} cold, {report.Warm} warm, {envs}, {report.Errors} error(s)" +
                      (report.Capped ? $"; {report.CapReason}" : "");
        return new NewEvent(EventKinds.WarmupRun, $"policy:{policy.Id}", summary, report.ToJson(), policy.Target, policy.Function, policy.Qualifier, policy.Id);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Warm-up {PolicyId} skipped: outside its active window")]
    private partial void LogOutsideWindow(string policyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Warm-up {PolicyId}: requested {Requested}, sent {Sent}, cold {Cold}, warm {Warm}, distinct {Distinct}, errors {Errors}")]
    private partial void LogRun(string policyId, int requested, int sent, int cold, int warm, int? distinct, int errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warm-up {PolicyId} failed")]
    private partial void LogRunFailed(Exception exception, string policyId);
}
