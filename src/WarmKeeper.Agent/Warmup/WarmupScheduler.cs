using Hangfire;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Core.Scheduling;

namespace WarmKeeper.Agent.Warmup;

/// <summary>
/// Keeps Hangfire's recurring jobs equal to the enabled policies in the store: rebuilt from the
/// store at every start, updated on every change. Missed occurrences (downtime) are skipped, never
/// replayed in a burst.
/// </summary>
public sealed partial class WarmupScheduler(
    WarmupPolicyStore policies,
    IRecurringJobManager recurringJobs,
    IBackgroundJobClient backgroundJobs,
    ILogger<WarmupScheduler> logger) : IHostedService
{
    private const string JobPrefix = "warmup:";

    public static string JobId(string policyId) => JobPrefix + policyId;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var all = await policies.ListAsync(cancellationToken);
        foreach (var stored in all)
        {
            Apply(stored.Value);
        }

        LogRebuilt(all.Count, all.Count(p => p.Value.Enabled));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Adds, updates or removes the policy's recurring job to match it.</summary>
    public void Apply(WarmupPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!policy.Enabled)
        {
            recurringJobs.RemoveIfExists(JobId(policy.Id));
            return;
        }

        var schedule = CronSchedule.Parse(policy.Schedule, policy.TimeZone);
        var id = policy.Id;
        recurringJobs.AddOrUpdate<WarmupJob>(
            JobId(id),
            job => job.RunScheduledAsync(id, CancellationToken.None),
            policy.Schedule,
            new RecurringJobOptions { TimeZone = schedule.TimeZone, MisfireHandling = MisfireHandlingMode.Ignorable });
    }

    public void Remove(string policyId) => recurringJobs.RemoveIfExists(JobId(policyId));

    /// <summary>Runs the policy once, now, in the background ("prewarm after deploy").</summary>
    public void RunSoon(string policyId, string trigger) =>
        backgroundJobs.Enqueue<WarmupJob>(job => job.RunByIdAsync(policyId, trigger, CancellationToken.None));

    [LoggerMessage(Level = LogLevel.Information, Message = "Warm-up schedules rebuilt from the store: {Count} policies, {Enabled} enabled")]
    private partial void LogRebuilt(int count, int enabled);
}
