using WarmKeeper.Core.Validation;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Core.Scheduling;

namespace WarmKeeper.Core.Scaling;

/// <summary>The rules a concurrency policy must satisfy on its own; the agent adds existence checks.</summary>
public static class ConcurrencyPolicyValidator
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromHours(6);

    public static ValidationErrors Validate(ConcurrencyPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var errors = new ValidationErrors();
        PolicyIdentityRules.Validate(errors, policy.Id, policy.Target, policy.Function);

        if (string.IsNullOrWhiteSpace(policy.Qualifier))
        {
            errors.Add("qualifier", "A qualifier (alias or version) is required: provisioned concurrency applies to one.");
        }
        else if (policy.Qualifier == "$LATEST")
        {
            errors.Add("qualifier", "Provisioned concurrency cannot be applied to $LATEST; use a published version or an alias.");
        }
        else
        {
            PolicyIdentityRules.ValidateQualifier(errors, "qualifier", policy.Qualifier);
        }

        if (policy.Min < 0)
        {
            errors.Add("min", $"min must be 0 or more, not {policy.Min}.");
        }

        if (policy.Max < 0 || policy.Max > ScalingDefaults.MaxProvisioned)
        {
            errors.Add("max", $"max must be between 0 and {ScalingDefaults.MaxProvisioned}, not {policy.Max}.");
        }
        else if (policy.Max < policy.Min)
        {
            errors.Add("max", $"max ({policy.Max}) must be at least min ({policy.Min}).");
        }

        if (double.IsNaN(policy.TargetUtilization) || policy.TargetUtilization < ScalingDefaults.MinTargetUtilization || policy.TargetUtilization > ScalingDefaults.MaxTargetUtilization)
        {
            errors.Add("targetUtilization", $"targetUtilization must be between {ScalingDefaults.MinTargetUtilization} and {ScalingDefaults.MaxTargetUtilization}.");
        }

        if (policy.ScaleInDelay < TimeSpan.Zero || policy.ScaleInDelay > MaxDelay)
        {
            errors.Add("scaleInDelay", "scaleInDelay must be between 00:00:00 and 06:00:00.");
        }

        if (policy.StableWindow < TimeSpan.FromSeconds(10) || policy.StableWindow > TimeSpan.FromHours(1))
        {
            errors.Add("stableWindow", "stableWindow must be between 00:00:10 and 01:00:00.");
        }

        if (policy.BurstWindow < TimeSpan.FromSeconds(1) || policy.BurstWindow >= policy.StableWindow)
        {
            errors.Add("burstWindow", "burstWindow must be at least 00:00:01 and shorter than stableWindow.");
        }

        if (double.IsNaN(policy.BurstThreshold) || policy.BurstThreshold < 1 || policy.BurstThreshold > 100)
        {
            errors.Add("burstThreshold", "burstThreshold must be between 1 and 100 (times the current capacity).");
        }

        if (policy.PredictionLead < TimeSpan.Zero || policy.PredictionLead > TimeSpan.FromHours(1))
        {
            errors.Add("predictionLead", "predictionLead must be between 00:00:00 and 01:00:00.");
        }

        if (!policy.TargetTracking && !policy.Burst && !policy.Predictive && policy.Schedules.Count == 0)
        {
            errors.Add("targetTracking", "At least one decider (targetTracking, burst, predictive) or a schedule must be on.");
        }

        for (var i = 0; i < policy.Schedules.Count; i++)
        {
            var bound = policy.Schedules[i];
            var path = $"schedules[{i}]";
            if (bound is null)
            {
                errors.Add(path, "A schedule is an object {cron, timeZone, duration, floor, ceiling}, not null.");
                continue;
            }

            if (bound.Cron is null || bound.TimeZone is null)
            {
                errors.Add(bound.Cron is null ? $"{path}.cron" : $"{path}.timeZone", "cron and timeZone are strings, not null.");
                continue;
            }

            if (!CronSchedule.TryParse(bound.Cron, bound.TimeZone, out _, out var cronError, out var zoneError))
            {
                if (cronError is not null)
                {
                    errors.Add($"{path}.cron", cronError);
                }

                if (zoneError is not null)
                {
                    errors.Add($"{path}.timeZone", zoneError);
                }
            }

            if (bound.Duration <= TimeSpan.Zero || bound.Duration > TimeSpan.FromDays(7))
            {
                errors.Add($"{path}.duration", "duration must be more than zero and at most 7 days.");
            }

            if (bound.Floor is null && bound.Ceiling is null)
            {
                errors.Add($"{path}", "A schedule sets a floor, a ceiling, or both.");
            }

            if (bound.Floor is < 0 || bound.Floor > ScalingDefaults.MaxProvisioned)
            {
                errors.Add($"{path}.floor", $"floor must be between 0 and {ScalingDefaults.MaxProvisioned}.");
            }

            if (bound.Ceiling is < 0 || bound.Ceiling > ScalingDefaults.MaxProvisioned)
            {
                errors.Add($"{path}.ceiling", $"ceiling must be between 0 and {ScalingDefaults.MaxProvisioned}.");
            }

            if (bound is { Floor: { } f, Ceiling: { } c } && f > c)
            {
                errors.Add($"{path}.floor", $"floor ({f}) must not exceed ceiling ({c}).");
            }
        }

        return errors;
    }
}
