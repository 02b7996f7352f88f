using System.Globalization;
using System.Text.Json.Nodes;
using WarmKeeper.Core.Scaling;
using WarmKeeper.Core.Validation;
using WarmKeeper.Dashboard.Client;
using WarmKeeper.Core.Targets;

namespace WarmKeeper.Dashboard.Forms;

/// <summary>
/// A concurrency policy as a person is editing it: every field as typed. It becomes the REST API's
/// request body (<see cref="ToJson"/>), and it can be checked as it is typed with the Core rules the API
/// applies (<see cref="Check"/>); the API's answer on save is the one that counts.
/// </summary>
public sealed class ConcurrencyPolicyDraft
{
    private static readonly ConcurrencyPolicy Defaults = new() { Id = "-", Target = "-", Function = "-", Qualifier = "-" };

    public string Id { get; set; } = "";
    public string Target { get; set; } = TargetNames.Local;
    public string Function { get; set; } = "";
    public string Qualifier { get; set; } = "";
    public string Min { get; set; } = Whole(Defaults.Min);
    public string Max { get; set; } = Whole(Defaults.Max);
    public string TargetUtilization { get; set; } = Figure(Defaults.TargetUtilization);
    public string ScaleInDelay { get; set; } = Span(Defaults.ScaleInDelay);
    public string StableWindow { get; set; } = Span(Defaults.StableWindow);
    public string BurstWindow { get; set; } = Span(Defaults.BurstWindow);
    public string BurstThreshold { get; set; } = Figure(Defaults.BurstThreshold);
    public string PredictionLead { get; set; } = Span(Defaults.PredictionLead);
    public bool TargetTracking { get; set; } = Defaults.TargetTracking;
    public bool Burst { get; set; } = Defaults.Burst;
    public bool Predictive { get; set; } = Defaults.Predictive;
    public bool DryRun { get; set; } = Defaults.DryRun;
    public bool Enabled { get; set; } = Defaults.Enabled;
    public bool Paused { get; set; } = Defaults.Paused;
    public List<ScheduleDraft> Schedules { get; set; } = [];

    public static ConcurrencyPolicyDraft From(ConcurrencyPolicyInfo policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return new ConcurrencyPolicyDraft
        {
            Id = policy.Id,
            Target = policy.Target,
            Function = policy.Function,
            Qualifier = policy.Qualifier,
            Min = Whole(policy.Min),
            Max = Whole(policy.Max),
            TargetUtilization = Figure(policy.TargetUtilization),
            ScaleInDelay = Span(policy.ScaleInDelay),
            StableWindow = Span(policy.StableWindow),
            BurstWindow = Span(policy.BurstWindow),
            BurstThreshold = Figure(policy.BurstThreshold),
            PredictionLead = Span(policy.PredictionLead),
            TargetTracking = policy.TargetTracking,
            Burst = policy.Burst,
            Predictive = policy.Predictive,
            DryRun = policy.DryRun,
            Enabled = policy.Enabled,
            Paused = policy.Paused,
            Schedules = [.. policy.Schedules.Select(s => new ScheduleDraft
            {
                Cron = s.Cron,
                TimeZone = s.TimeZone ?? "UTC",
                Duration = Span(s.Duration),
                Floor = s.Floor?.ToString(CultureInfo.InvariantCulture) ?? "",
                Ceiling = s.Ceiling?.ToString(CultureInfo.InvariantCulture) ?? "",
            })],
        };
    }

    /// <summary>The body of <c>POST</c> or <c>PUT /api/v1/concurrency-policies</c>.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        JsonFields.Set(json, "id", JsonFields.Text(Id));
        JsonFields.Set(json, "target", JsonFields.Text(Target));
        JsonFields.Set(json, "function", JsonFields.Text(Function));
        JsonFields.Set(json, "qualifier", JsonFields.Text(Qualifier));
        JsonFields.Set(json, "min", JsonFields.Number(Min));
        JsonFields.Set(json, "max", JsonFields.Number(Max));
        JsonFields.Set(json, "targetUtilization", JsonFields.Number(TargetUtilization));
        JsonFields.Set(json, "scaleInDelay", JsonFields.Text(ScaleInDelay));
        JsonFields.Set(json, "stableWindow", JsonFields.Text(StableWindow));
        JsonFields.Set(json, "burstWindow", JsonFields.Text(BurstWindow));
        JsonFields.Set(json, "burstThreshold", JsonFields.Number(BurstThreshold));
        JsonFields.Set(json, "predictionLead", JsonFields.Text(PredictionLead));
        json["targetTracking"] = TargetTracking;
        json["burst"] = Burst;
        json["predictive"] = Predictive;
        json["dryRun"] = DryRun;
        json["enabled"] = Enabled;
        json["paused"] = Paused;
        var schedules = new JsonArray();
        foreach (var s in Schedules)
        {
            var schedule = new JsonObject();
            JsonFields.Set(schedule, "cron", JsonFields.Text(s.Cron));
            JsonFields.Set(schedule, "timeZone", JsonFields.Text(s.TimeZone));
            JsonFields.Set(schedule, "duration", JsonFields.Text(s.Duration));
            JsonFields.Set(schedule, "floor", JsonFields.Number(s.Floor));
            JsonFields.Set(schedule, "ceiling", JsonFields.Number(s.Ceiling));
            schedules.Add(schedule);
        }

        json["schedules"] = schedules;
        return json;
    }

    /// <summary>
    /// What is wrong with the draft as typed: fields that are not figures or durations, then the Core
    /// rules of <see cref="ConcurrencyPolicyValidator"/> (the same the REST API applies), by field.
    /// </summary>
    public ValidationErrors Check()
    {
        var errors = new ValidationErrors();
        var policy = Defaults with
        {
            Id = Id.Trim(),
            Target = Target.Trim(),
            Function = Function.Trim(),
            Qualifier = Qualifier.Trim(),
            Min = ParseWhole(Min, "min", Defaults.Min, errors),
            Max = ParseWhole(Max, "max", Defaults.Max, errors),
            TargetUtilization = ParseFigure(TargetUtilization, "targetUtilization", Defaults.TargetUtilization, errors),
            ScaleInDelay = ParseSpan(ScaleInDelay, "scaleInDelay", Defaults.ScaleInDelay, errors),
            StableWindow = ParseSpan(StableWindow, "stableWindow", Defaults.StableWindow, errors),
            BurstWindow = ParseSpan(BurstWindow, "burstWindow", Defaults.BurstWindow, errors),
            BurstThreshold = ParseFigure(BurstThreshold, "burstThreshold", Defaults.BurstThreshold, errors),
            PredictionLead = ParseSpan(PredictionLead, "predictionLead", Defaults.PredictionLead, errors),
            TargetTracking = TargetTracking,
            Burst = Burst,
            Predictive = Predictive,
            DryRun = DryRun,
            Enabled = Enabled,
            Paused = Paused,
            Schedules = [.. Schedules.Select((s, i) => new ScheduledBound
            {
                Cron = s.Cron.Trim(),
                TimeZone = string.IsNullOrWhiteSpace(s.TimeZone) ? "UTC" : s.TimeZone.Trim(),
                Duration = ParseSpan(s.Duration, $"schedules[{i}].duration", TimeSpan.FromHours(1), errors),
                Floor = ParseOptionalWhole(s.Floor, $"schedules[{i}].floor", errors),
                Ceiling = ParseOptionalWhole(s.Ceiling, $"schedules[{i}].ceiling", errors),
            })],
        };

        foreach (var (field, messages) in ConcurrencyPolicyValidator.Validate(policy).ToDictionary())
        {
            // A field that did not parse has its own message; the rule it would break next is noise.
            if (!errors.Has(field))
            {
                foreach (var message in messages)
                {
                    errors.Add(field, message);
                }
            }
        }

        return errors;
    }

    private static int ParseWhole(string text, string field, int fallback, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        errors.Add(field, $"{field} must be a whole number.");
        return fallback;
    }

    private static int? ParseOptionalWhole(string text, string field, ValidationErrors errors) =>
        string.IsNullOrWhiteSpace(text) ? null : ParseWhole(text, field, 0, errors);

    private static double ParseFigure(string text, string field, double fallback, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        errors.Add(field, $"{field} must be a number.");
        return fallback;
    }

    private static TimeSpan ParseSpan(string text, string field, TimeSpan fallback, ValidationErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (TimeSpan.TryParse(text.Trim(), CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        errors.Add(field, $"{field} must be a duration such as \"00:05:00\".");
        return fallback;
    }

    private static string Whole(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Figure(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Span(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}

/// <summary>A scheduled floor or ceiling as typed.</summary>
public sealed class ScheduleDraft
{
    public string Cron { get; set; } = "0 8 * * 1-5";
    public string TimeZone { get; set; } = "UTC";
    public string Duration { get; set; } = "01:00:00";
    public string Floor { get; set; } = "";
    public string Ceiling { get; set; } = "";
}
