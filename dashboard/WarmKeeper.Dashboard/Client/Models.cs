using System.Text.Json.Nodes;
using WarmKeeper.Core.Warmup;

namespace WarmKeeper.Dashboard.Client;

// The shapes of the agent's REST API (v1) as the dashboard reads them. They are the dashboard's own
// records, bound to the JSON contract rather than to the agent's types, so the two can change apart;
// a warm-up run's report is the exception, read as Core's WarmupRunReport, the record that writes it.

/// <summary>A function of a target (<c>GET /api/v1/functions</c>).</summary>
public sealed record FunctionInfo(
    string Target, string Name, string Arn, string? Description, string? Runtime, int MemoryMb, int TimeoutSeconds, string? LastModified);

/// <summary>A function in detail (<c>GET /api/v1/functions/{target}/{name}</c>).</summary>
public sealed record FunctionDetails(
    FunctionInfo Function,
    IReadOnlyList<string> Versions,
    IReadOnlyList<AliasInfo> Aliases,
    int? ReservedConcurrency,
    IReadOnlyList<ProvisionedConcurrencyInfo> ProvisionedConcurrency,
    int? InFlight,
    IReadOnlyList<EnvironmentInfo>? Environments,
    LastWarmupInfo? LastWarmup)
{
    /// <summary>Versions and aliases other than <c>$LATEST</c>: what provisioned concurrency can apply to.</summary>
    public IReadOnlyList<string> Qualifiers =>
        [.. Aliases.Select(a => a.Name), .. Versions.Where(v => v != "$LATEST")];

    /// <summary>Environments initialized and not retired (idle or busy); null when the target cannot tell.</summary>
    public int? WarmEnvironments => Environments?.Count(e => e.State is "idle" or "busy");
}

public sealed record AliasInfo(string Name, string FunctionVersion);

public sealed record ProvisionedConcurrencyInfo(string Qualifier, int Requested, int Allocated, int Available, string Status, string? StatusReason);

public sealed record EnvironmentInfo(string Id, string Version, bool Provisioned, string State, DateTimeOffset BornAt, DateTimeOffset LastUsedAt, long Invocations);

public sealed record LastWarmupInfo(DateTimeOffset Time, string? PolicyId, string Summary, JsonObject Data)
{
    public WarmupRunReport Report => WarmupRunReport.FromJson(Data);
}

/// <summary>Demand of one function (<c>GET …/metrics</c>), one point a step.</summary>
public sealed record DemandSeries(string Target, string Function, string? Qualifier, TimeSpan Step, IReadOnlyList<DemandPoint> Points);

public sealed record DemandPoint(DateTimeOffset Time, int MaxInFlight, double MeanInFlight, int Arrivals, int ColdStarts, int Throttles);

/// <summary>An event of the agent's history (<c>GET /api/v1/events</c>).</summary>
public sealed record AgentEventInfo(
    long Id, DateTimeOffset Time, string Kind, string? Target, string? Function, string? Qualifier, string? PolicyId, string Actor, string Summary, JsonObject Data);

/// <summary>Event kinds the dashboard shows.</summary>
public static class EventKinds
{
    public const string WarmupRun = "warmup.run";
    public const string WarmupRunFailed = "warmup.run.failed";
    public const string ScalingDecision = "scaling.decision";
    public const string ConfigurationChange = "config.change";
}

/// <summary>Which events to read, newest first.</summary>
public sealed record EventFilter(string? Function = null, string? Kind = null, DateTimeOffset? Since = null, int Limit = 100);

/// <summary>A <c>scaling.decision</c> event's data: what was decided, from what, and why.</summary>
public sealed record ScalingDecisionInfo(
    DateTimeOffset Time, string? Qualifier, string? PolicyId, string Actor, int? Current, int Desired, bool Applied, bool DryRun, bool ByHand,
    string Reason, int? Lower, int? Upper, string? Error, IReadOnlyList<DeciderVoteInfo> Votes)
{
    /// <summary>The decision in an event; null when the event is not a decision.</summary>
    public static ScalingDecisionInfo? From(AgentEventInfo e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Kind != EventKinds.ScalingDecision || e.Data["desired"] is not JsonValue desired)
        {
            return null;
        }

        var votes = new List<DeciderVoteInfo>();
        if (e.Data["votes"] is JsonArray array)
        {
            foreach (var v in array.OfType<JsonObject>())
            {
                var inputs = v["inputs"] is JsonObject i
                    ? i.Where(p => p.Value is JsonValue).ToDictionary(p => p.Key, p => Figure((JsonValue)p.Value!), StringComparer.Ordinal)
                    : new Dictionary<string, string>(StringComparer.Ordinal);
                votes.Add(new DeciderVoteInfo(
                    v["decider"]?.GetValue<string>() ?? "?",
                    v["desired"] is JsonValue d && d.TryGetValue<int>(out var n) ? n : null,
                    v["reason"]?.GetValue<string>() ?? "",
                    inputs));
            }
        }

        static string Figure(JsonValue value) =>
            value.TryGetValue<double>(out var number)
                ? number.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)
                : value.ToString();
        static bool Flag(JsonObject data, string name) => data[name] is JsonValue value && value.TryGetValue<bool>(out var b) && b;
        static int? Number(JsonObject data, string name) => data[name] is JsonValue value && value.TryGetValue<int>(out var n) ? n : null;
        return new ScalingDecisionInfo(
            e.Time, e.Qualifier, e.PolicyId, e.Actor, Number(e.Data, "current"), desired.GetValue<int>(), Flag(e.Data, "applied"),
            Flag(e.Data, "dryRun"), Flag(e.Data, "byHand"), e.Data["reason"]?.GetValue<string>() ?? e.Summary,
            Number(e.Data, "lower"), Number(e.Data, "upper"), e.Data["error"] is JsonValue err ? err.ToString() : null, votes);
    }
}

public sealed record DeciderVoteInfo(string Decider, int? Desired, string Reason, IReadOnlyDictionary<string, string> Inputs);

/// <summary>A concurrency policy (<c>/api/v1/concurrency-policies</c>).</summary>
public sealed record ConcurrencyPolicyInfo(
    string Id, string Target, string Function, string Qualifier, int Min, int Max, double TargetUtilization,
    TimeSpan ScaleInDelay, TimeSpan StableWindow, TimeSpan BurstWindow, double BurstThreshold, TimeSpan PredictionLead,
    bool TargetTracking, bool Burst, bool Predictive, IReadOnlyList<ScheduledBoundInfo> Schedules,
    bool DryRun, bool Enabled, bool Paused, long Revision, DateTimeOffset Created, DateTimeOffset Updated);

public sealed record ScheduledBoundInfo(string Cron, string? TimeZone, TimeSpan Duration, int? Floor, int? Ceiling);

/// <summary>A warm-up policy (<c>/api/v1/warmup-policies</c>).</summary>
public sealed record WarmupPolicyInfo(
    string Id, string Target, string Function, string? Qualifier, string Schedule, string TimeZone, int FanOut, string PayloadFormat,
    int HoldMs, bool Enabled, bool Verify, int? TopUpBudget, long Revision, DateTimeOffset Created, DateTimeOffset Updated);

/// <summary>What <c>POST /api/v1/warmup-policies/{id}/run</c> answers: the run's report, or why it could not be made.</summary>
public sealed record WarmupRunResult(long EventId, string Kind, string Summary, WarmupRunReport? Report, WarmupRunFailure? Failure);

/// <summary>A rate limit with its live counts (<c>/api/v1/rate-limits</c>).</summary>
public sealed record RateLimitInfo(
    string Id, string Target, IReadOnlyList<string> Functions, double? PermitsPerSecond, int? Burst, int? MaxConcurrency, int QueueLimit,
    string? MaxQueueWait, string WarmupPings, long Revision, DateTimeOffset Created, DateTimeOffset Updated, RateLimitUsage? Status);

public sealed record RateLimitUsage(long Admitted, long Queued, long Rejected, int InFlight, int Waiting, string? Budget);

/// <summary>The answer of <c>POST /api/v1/simulations</c>.</summary>
public sealed record SimulationResult(SimulatedTraceInfo Trace, IReadOnlyList<SimulationRowInfo> Results, long ElapsedMs);

public sealed record SimulatedTraceInfo(string Name, int Invocations, long LengthMs);

public sealed record SimulationRowInfo(
    string Trace, string Policy, double ReapMinutes, long Invocations, long ColdStarts, long Pings, long Throttles, double CostUsd)
{
    public double ColdStartRatio => Invocations == 0 ? 0 : ColdStarts / (double)Invocations;
}
