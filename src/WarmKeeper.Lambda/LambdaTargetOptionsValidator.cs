using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace WarmKeeper.Lambda;

/// <summary>Checks a <see cref="LambdaTargetOptions"/> and lists every problem at once, each naming its field.</summary>
public sealed partial class LambdaTargetOptionsValidator : IValidateOptions<LambdaTargetOptions>
{
    // Polly's own floors: below these its option validation would throw a less helpful message.
    private static readonly TimeSpan MinimumTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MinimumCircuitWindow = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaximumTimeout = TimeSpan.FromHours(24);

    public ValidateOptionsResult Validate(string? name, LambdaTargetOptions options)
    {
        var errors = Validate(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Every problem, or an empty list.</summary>
    public static IReadOnlyList<string> Validate(LambdaTargetOptions options)
    {
        var errors = new List<string>();
        var name = string.IsNullOrWhiteSpace(options.Name) ? "(unnamed)" : options.Name;
        void Fail(string field, string problem) => errors.Add($"Lambda target '{name}': {field} {problem}");

        if (string.IsNullOrWhiteSpace(options.Name))
        {
            Fail(nameof(options.Name), "is required.");
        }
        else if (!TargetNamePattern().IsMatch(options.Name))
        {
            Fail(nameof(options.Name), $"'{options.Name}' may contain only letters, digits, '-' and '_' (at most 64).");
        }

        if (string.IsNullOrWhiteSpace(options.Region))
        {
            Fail(nameof(options.Region), "is required (e.g. 'us-east-1').");
        }
        else if (!RegionPattern().IsMatch(options.Region))
        {
            Fail(nameof(options.Region), $"'{options.Region}' is not a region name like 'us-east-1'.");
        }

        if (!string.IsNullOrWhiteSpace(options.ServiceUrl)
            && (!Uri.TryCreate(options.ServiceUrl, UriKind.Absolute, out var url)
                || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
                || !string.IsNullOrEmpty(url.Query)))
        {
            Fail(nameof(options.ServiceUrl), $"'{options.ServiceUrl}' must be an absolute http or https URL without a query string.");
        }

        var hasKey = !string.IsNullOrWhiteSpace(options.AccessKeyId);
        var hasSecret = !string.IsNullOrWhiteSpace(options.SecretAccessKey);
        if (hasKey != hasSecret)
        {
            Fail(hasKey ? nameof(options.SecretAccessKey) : nameof(options.AccessKeyId),
                $"is required when {(hasKey ? nameof(options.AccessKeyId) : nameof(options.SecretAccessKey))} is set.");
        }

        if (!string.IsNullOrWhiteSpace(options.SessionToken) && !(hasKey && hasSecret))
        {
            Fail(nameof(options.SessionToken), $"needs {nameof(options.AccessKeyId)} and {nameof(options.SecretAccessKey)}.");
        }

        var hasProfile = !string.IsNullOrWhiteSpace(options.Profile);
        if (hasProfile && (hasKey || hasSecret))
        {
            Fail(nameof(options.Profile), "cannot be combined with static keys; set one or the other.");
        }

        if (!string.IsNullOrWhiteSpace(options.ProfilesLocation) && !hasProfile)
        {
            Fail(nameof(options.ProfilesLocation), $"is only used with {nameof(options.Profile)}; set both or neither.");
        }

        if (options.Anonymous && (hasKey || hasSecret || hasProfile))
        {
            Fail(nameof(options.Anonymous), "cannot be combined with keys or a profile.");
        }

        CheckTimeout(nameof(options.RequestTimeout), options.RequestTimeout);
        CheckTimeout(nameof(options.InvokeTimeout), options.InvokeTimeout);
        CheckTimeout(nameof(options.ConnectTimeout), options.ConnectTimeout);

        if (options.MaxRetries is < 0 or > 10)
        {
            Fail(nameof(options.MaxRetries), $"must be between 0 and 10, not {options.MaxRetries}.");
        }

        if (options.InvokeMaxRetries is < 0 or > 10)
        {
            Fail(nameof(options.InvokeMaxRetries), $"must be between 0 and 10, not {options.InvokeMaxRetries}.");
        }

        if (options.RetryBaseDelay < TimeSpan.Zero || options.RetryBaseDelay > TimeSpan.FromMinutes(5))
        {
            Fail(nameof(options.RetryBaseDelay), $"must be between 0 and 5 minutes, not {options.RetryBaseDelay}.");
        }

        if (options.MaxRetryDelay <= TimeSpan.Zero || options.MaxRetryDelay > TimeSpan.FromMinutes(5))
        {
            Fail(nameof(options.MaxRetryDelay), $"must be above 0 and at most 5 minutes, not {options.MaxRetryDelay}.");
        }
        else if (options.RetryBaseDelay > options.MaxRetryDelay)
        {
            Fail(nameof(options.MaxRetryDelay), $"({options.MaxRetryDelay}) must not be below {nameof(options.RetryBaseDelay)} ({options.RetryBaseDelay}).");
        }

        if (!(options.CircuitBreakerFailureRatio > 0 && options.CircuitBreakerFailureRatio <= 1))
        {
            Fail(nameof(options.CircuitBreakerFailureRatio), $"must be above 0 and at most 1, not {options.CircuitBreakerFailureRatio}.");
        }

        if (options.CircuitBreakerMinimumThroughput < 2)
        {
            Fail(nameof(options.CircuitBreakerMinimumThroughput), $"must be at least 2, not {options.CircuitBreakerMinimumThroughput}.");
        }

        if (options.CircuitBreakerSamplingDuration < MinimumCircuitWindow || options.CircuitBreakerSamplingDuration > MaximumTimeout)
        {
            Fail(nameof(options.CircuitBreakerSamplingDuration), $"must be between 500 ms and 24 hours, not {options.CircuitBreakerSamplingDuration}.");
        }

        if (options.CircuitBreakerBreakDuration < MinimumCircuitWindow || options.CircuitBreakerBreakDuration > MaximumTimeout)
        {
            Fail(nameof(options.CircuitBreakerBreakDuration), $"must be between 500 ms and 24 hours, not {options.CircuitBreakerBreakDuration}.");
        }

        foreach (var (field, problem) in options.CloudWatchLogs.Validate())
        {
            Fail(field, problem);
        }

        return errors;

        void CheckTimeout(string field, TimeSpan value)
        {
            if (value < MinimumTimeout || value > MaximumTimeout)
            {
                Fail(field, $"must be between 10 ms and 24 hours, not {value}.");
            }
        }
    }

    /// <summary>Throws one <see cref="OptionsValidationException"/> listing every problem.</summary>
    public static void ThrowIfInvalid(LambdaTargetOptions options)
    {
        var errors = Validate(options);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(options.Name, typeof(LambdaTargetOptions), errors);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}\\z")]
    private static partial Regex TargetNamePattern();

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+\\z")]
    private static partial Regex RegionPattern();
}
