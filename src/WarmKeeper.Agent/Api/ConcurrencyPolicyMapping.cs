using System.Text.Json;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Core.Scaling;

namespace WarmKeeper.Agent.Api;

/// <summary>A concurrency policy as the REST API shows it.</summary>
public sealed record ConcurrencyPolicyResource(
    string Id,
    string Target,
    string Function,
    string Qualifier,
    int Min,
    int Max,
    double TargetUtilization,
    TimeSpan ScaleInDelay,
    TimeSpan StableWindow,
    TimeSpan BurstWindow,
    double BurstThreshold,
    TimeSpan PredictionLead,
    bool TargetTracking,
    bool Burst,
    bool Predictive,
    IReadOnlyList<ScheduledBound> Schedules,
    bool DryRun,
    bool Enabled,
    bool Paused,
    long Revision,
    DateTimeOffset Created,
    DateTimeOffset Updated);

internal static class ConcurrencyPolicyMapping
{
    public static ConcurrencyPolicyResource ToResource(Revisioned<ConcurrencyPolicy> stored)
    {
        var p = stored.Value;
        return new ConcurrencyPolicyResource(
            p.Id, p.Target, p.Function, p.Qualifier, p.Min, p.Max, p.TargetUtilization, p.ScaleInDelay, p.StableWindow, p.BurstWindow,
            p.BurstThreshold, p.PredictionLead, p.TargetTracking, p.Burst, p.Predictive, p.Schedules, p.DryRun, p.Enabled, p.Paused,
            stored.Revision, stored.Created, stored.Updated);
    }

    public static ConcurrencyPolicy? Read(JsonFieldReader json, string? routeId)
    {
        var errors = json.Errors;
        var id = json.Id(routeId);

        var defaults = new ConcurrencyPolicy { Id = "-", Target = "-", Function = "-", Qualifier = "-" };
        var target = json.String("target", required: true);
        var function = json.String("function", required: true);
        var qualifier = json.String("qualifier", required: true);
        var policy = defaults with
        {
            Min = json.Int("min") ?? defaults.Min,
            Max = json.Int("max") ?? defaults.Max,
            TargetUtilization = json.Double("targetUtilization") ?? defaults.TargetUtilization,
            ScaleInDelay = json.Duration("scaleInDelay") ?? defaults.ScaleInDelay,
            StableWindow = json.Duration("stableWindow") ?? defaults.StableWindow,
            BurstWindow = json.Duration("burstWindow") ?? defaults.BurstWindow,
            BurstThreshold = json.Double("burstThreshold") ?? defaults.BurstThreshold,
            PredictionLead = json.Duration("predictionLead") ?? defaults.PredictionLead,
            TargetTracking = json.Bool("targetTracking") ?? defaults.TargetTracking,
            Burst = json.Bool("burst") ?? defaults.Burst,
            Predictive = json.Bool("predictive") ?? defaults.Predictive,
            DryRun = json.Bool("dryRun") ?? defaults.DryRun,
            Enabled = json.Bool("enabled") ?? defaults.Enabled,
            Paused = json.Bool("paused") ?? defaults.Paused,
            Schedules = ReadSchedules(json),
        };
        json.RejectUnknownFields();
        if (id is null || target is null || function is null || qualifier is null)
        {
            return null;
        }

        policy = policy with { Id = id, Target = target, Function = function, Qualifier = qualifier };
        errors.AddRange(ConcurrencyPolicyValidator.Validate(policy));
        return policy;
    }

    private static List<ScheduledBound> ReadSchedules(JsonFieldReader json)
    {
        var raw = json.RawJson("schedules");
        if (raw is null)
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<List<ScheduledBound>>(raw, JsonSerializerOptions.Web) ?? [];
        }
        catch (JsonException e)
        {
            json.Errors.Add("schedules", $"schedules must be a list of {{cron, timeZone, duration, floor, ceiling}}: {e.Message}");
            return [];
        }
    }
}
