using System.Text.Json;
using System.Text.Json.Nodes;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Core.Validation;
using WarmKeeper.Core.Warmup;

namespace WarmKeeper.Agent.Api;

/// <summary>A warm-up policy as the REST API shows it.</summary>
public sealed record WarmupPolicyResource(
    string Id,
    string Target,
    string Function,
    string? Qualifier,
    string Schedule,
    string TimeZone,
    int FanOut,
    string PayloadFormat,
    JsonNode? CustomPayload,
    JsonNode? ClientContext,
    int HoldMs,
    ActiveWindowResource? ActiveWindow,
    bool Enabled,
    bool Verify,
    int? TopUpBudget,
    long Revision,
    DateTimeOffset Created,
    DateTimeOffset Updated);

public sealed record ActiveWindowResource(IReadOnlyList<string> Days, string Start, string End);

internal static class WarmupPolicyMapping
{
    private static readonly Dictionary<string, WarmupPayloadFormat> Formats = new(StringComparer.OrdinalIgnoreCase)
    {
        ["warmkeeper"] = WarmupPayloadFormat.WarmKeeper,
        ["serverless-plugin-warmup"] = WarmupPayloadFormat.ServerlessPluginWarmup,
        ["lambda-warmer"] = WarmupPayloadFormat.LambdaWarmer,
        ["custom"] = WarmupPayloadFormat.Custom,
    };

    public static string FormatName(WarmupPayloadFormat format) => Formats.First(f => f.Value == format).Key;

    public static WarmupPolicyResource ToResource(Revisioned<WarmupPolicy> stored)
    {
        var p = stored.Value;
        return new WarmupPolicyResource(
            p.Id, p.Target, p.Function, p.Qualifier, p.Schedule, p.TimeZone, p.FanOut, FormatName(p.PayloadFormat),
            // Read as stored values, not re-parsed blindly: an older version stored what it did not check.
            p.CustomPayload is null ? null : JsonLimits.ReadStored(p.CustomPayload),
            p.ClientContext is null ? null : JsonLimits.ReadStored(p.ClientContext),
            p.HoldMs,
            p.ActiveWindow is null ? null : new ActiveWindowResource(
                p.ActiveWindow.Days.Select(d => d.ToString().ToLowerInvariant()).ToList(),
                p.ActiveWindow.Start.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
                p.ActiveWindow.End.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)),
            p.Enabled, p.Verify, p.TopUpBudget, stored.Revision, stored.Created, stored.Updated);
    }

    /// <summary>Reads a policy from a request body; <paramref name="routeId"/> is the id in the URL for a PUT.</summary>
    public static WarmupPolicy? Read(JsonFieldReader json, string? routeId)
    {
        var errors = json.Errors;
        var id = json.Id(routeId);

        var target = json.String("target", required: true);
        var function = json.String("function", required: true);
        var qualifier = json.String("qualifier");
        var schedule = json.String("schedule", required: true);
        var timeZone = json.String("timeZone") ?? "UTC";
        var fanOut = json.Int("fanOut") ?? 1;
        var formatName = json.String("payloadFormat") ?? "warmkeeper";
        var customPayload = json.RawJson("customPayload");
        var clientContext = json.RawJson("clientContext");
        var holdMs = json.Int("holdMs") ?? WarmupDefaults.HoldMs;
        var enabled = json.Bool("enabled") ?? true;
        var verify = json.Bool("verify") ?? true;
        var topUpBudget = json.Int("topUpBudget");
        var window = ReadWindow(json.Object("activeWindow"), errors);
        json.RejectUnknownFields();

        if (!Formats.TryGetValue(formatName, out var format))
        {
            errors.Add("payloadFormat", $"payloadFormat must be one of {string.Join(", ", Formats.Keys)}, not '{formatName}'.");
        }

        if (id is null || target is null || function is null || schedule is null)
        {
            return null;
        }

        var policy = new WarmupPolicy
        {
            Id = id,
            Target = target,
            Function = function,
            Qualifier = qualifier,
            Schedule = schedule,
            TimeZone = timeZone,
            FanOut = fanOut,
            PayloadFormat = format,
            CustomPayload = customPayload,
            ClientContext = clientContext,
            HoldMs = holdMs,
            ActiveWindow = window,
            Enabled = enabled,
            Verify = verify,
            TopUpBudget = topUpBudget,
        };
        errors.AddRange(WarmupPolicyValidator.Validate(policy));
        return policy;
    }

    private static ActiveWindow? ReadWindow(JsonElement? element, ValidationErrors errors)
    {
        if (element is not { } w)
        {
            return null;
        }

        var days = new List<DayOfWeek>();
        if (w.TryGetProperty("days", out var daysElement))
        {
            if (daysElement.ValueKind != JsonValueKind.Array)
            {
                errors.Add("activeWindow.days", "activeWindow.days must be an array of day names.");
            }
            else
            {
                foreach (var day in daysElement.EnumerateArray())
                {
                    if (day.ValueKind == JsonValueKind.String && Enum.TryParse<DayOfWeek>(day.GetString(), ignoreCase: true, out var d))
                    {
                        days.Add(d);
                    }
                    else
                    {
                        errors.Add("activeWindow.days", $"'{day}' is not a day of the week (monday … sunday).");
                    }
                }
            }
        }

        var start = ReadTime(w, "start", TimeOnly.MinValue, errors);
        var end = ReadTime(w, "end", TimeOnly.MaxValue, errors);
        return new ActiveWindow { Days = days, Start = start, End = end };
    }

    private static TimeOnly ReadTime(JsonElement w, string name, TimeOnly fallback, ValidationErrors errors)
    {
        if (!w.TryGetProperty(name, out var value))
        {
            return fallback;
        }

        if (value.ValueKind == JsonValueKind.String
            && TimeOnly.TryParseExact(value.GetString(), ["HH:mm", "HH:mm:ss"], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var time))
        {
            return time;
        }

        errors.Add($"activeWindow.{name}", $"activeWindow.{name} must be a time of day such as \"08:30\".");
        return fallback;
    }
}
