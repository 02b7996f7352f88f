using System.Text;
using System.Text.Json;
using WarmKeeper.Core.Validation;
using WarmKeeper.Core.Scheduling;

namespace WarmKeeper.Core.Warmup;

/// <summary>
/// The rules a warm-up policy must satisfy on its own. Whether its target, function and qualifier
/// exist is checked against the targets by the agent, which adds to the same errors.
/// </summary>
public static class WarmupPolicyValidator
{
    public static ValidationErrors Validate(WarmupPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var errors = new ValidationErrors();

        PolicyIdentityRules.Validate(errors, policy.Id, policy.Target, policy.Function);

        if (policy.Qualifier is { } qualifier)
        {
            PolicyIdentityRules.ValidateQualifier(errors, "qualifier", qualifier);
        }

        if (!CronSchedule.TryParse(policy.Schedule, policy.TimeZone, out _, out var cronError, out var zoneError))
        {
            if (cronError is not null)
            {
                errors.Add("schedule", cronError);
            }

            if (zoneError is not null)
            {
                errors.Add("timeZone", zoneError);
            }
        }

        if (policy.FanOut is < 1 or > WarmupDefaults.MaxFanOut)
        {
            errors.Add("fanOut", $"fanOut must be between 1 and {WarmupDefaults.MaxFanOut}, not {policy.FanOut}.");
        }

        if (policy.HoldMs is < 0 or > WarmupDefaults.MaxHoldMs)
        {
            errors.Add("holdMs", $"holdMs must be between 0 and {WarmupDefaults.MaxHoldMs}, not {policy.HoldMs}.");
        }

        if (policy.TopUpBudget is < 0 or > WarmupDefaults.MaxTopUpBudget)
        {
            errors.Add("topUpBudget", $"topUpBudget must be between 0 and {WarmupDefaults.MaxTopUpBudget}, not {policy.TopUpBudget}.");
        }

        if (!Enum.IsDefined(policy.PayloadFormat))
        {
            errors.Add("payloadFormat", "payloadFormat must be warmkeeper, serverless-plugin-warmup, lambda-warmer or custom.");
        }
        else if (policy.PayloadFormat == WarmupPayloadFormat.Custom)
        {
            if (string.IsNullOrWhiteSpace(policy.CustomPayload))
            {
                errors.Add("customPayload", "customPayload is required when payloadFormat is custom.");
            }
            else if (JsonLimits.TryCheck(policy.CustomPayload, "customPayload", errors, out _)
                     && Encoding.UTF8.GetByteCount(policy.CustomPayload) > WarmupDefaults.MaxPayloadBytes)
            {
                // Every ping of the policy would be refused by Lambda: refuse the policy instead.
                errors.Add("customPayload", $"customPayload is {Encoding.UTF8.GetByteCount(policy.CustomPayload)} bytes; Lambda accepts an invocation payload of at most {WarmupDefaults.MaxPayloadBytes} bytes (6 MB).");
            }
        }
        else if (policy.CustomPayload is not null)
        {
            errors.Add("customPayload", "customPayload is only allowed when payloadFormat is custom.");
        }

        if (policy.ClientContext is { } clientContext)
        {
            ValidateClientContext(errors, clientContext);
        }

        if (policy.ActiveWindow is { } window)
        {
            if (window.Start == window.End)
            {
                errors.Add("activeWindow", "activeWindow.start and activeWindow.end must differ.");
            }

            if (window.Days.Distinct().Count() != window.Days.Count)
            {
                errors.Add("activeWindow.days", "activeWindow.days lists a day twice.");
            }
        }

        return errors;
    }

    private static void ValidateClientContext(ValidationErrors errors, string clientContext)
    {
        if (!JsonLimits.TryCheck(clientContext, "clientContext", errors, out var kind))
        {
            return;
        }

        if (kind != JsonValueKind.Object)
        {
            errors.Add("clientContext", $"clientContext must be a JSON object, not {kind.ToString().ToLowerInvariant()}.");
            return;
        }

        // Lambda counts the header's base64 text, 4 characters per 3 bytes.
        var base64Length = (Encoding.UTF8.GetByteCount(clientContext) + 2) / 3 * 4;
        if (base64Length > WarmupDefaults.MaxClientContextBase64Bytes)
        {
            errors.Add("clientContext", $"clientContext is {base64Length} bytes in base64; Lambda accepts at most {WarmupDefaults.MaxClientContextBase64Bytes}.");
        }
    }
}
