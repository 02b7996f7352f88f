using WarmKeeper.Core.Validation;

namespace WarmKeeper.Core.Protection;

/// <summary>
/// The rules a rate limit must satisfy on its own; every broken rule is reported with its field.
/// Whether the target and functions exist is checked against the targets by the agent.
/// </summary>
public static class RateLimitSpecValidator
{
    /// <summary>Far above any single downstream; guards against typos such as 1e9.</summary>
    public const double MaxPermitsPerSecond = 1_000_000;

    public const int MaxConcurrencyLimit = 100_000;

    public const int MaxQueueLimit = 100_000;

    /// <summary>Most functions one limit may list.</summary>
    public const int MaxFunctions = 1000;

    /// <summary>A queued call holds an HTTP request open; Lambda's own 15-minute invoke limit bounds it.</summary>
    public static readonly TimeSpan MaxQueueWaitLimit = TimeSpan.FromMinutes(15);

    public static ValidationErrors Validate(RateLimitSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new ValidationErrors();

        if (!PolicyIdentityRules.IsSlug(spec.Id))
        {
            errors.Add("id", PolicyIdentityRules.SlugRule);
        }

        if (string.IsNullOrWhiteSpace(spec.Target))
        {
            errors.Add("target", "A target is required (\"local\" for the built-in runtime).");
        }

        if (spec.Functions is null || spec.Functions.Count == 0)
        {
            errors.Add("functions", "At least one function is required.");
        }
        else if (spec.Functions.Count > MaxFunctions)
        {
            // Each one is checked against the target and kept in the proxy's lookup: bound the work.
            errors.Add("functions", $"A rate limit lists at most {MaxFunctions} functions, not {spec.Functions.Count}; a shared downstream needing more can be split across limits.");
        }
        else
        {
            for (var i = 0; i < spec.Functions.Count; i++)
            {
                PolicyIdentityRules.ValidateFunctionName(errors, $"functions[{i}]", spec.Functions[i]);
            }

            var duplicates = spec.Functions.Where(f => !string.IsNullOrWhiteSpace(f)).GroupBy(f => f, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            if (duplicates.Count > 0)
            {
                errors.Add("functions", $"Each function is listed once; repeated: {string.Join(", ", duplicates)}.");
            }
        }

        ValidateRate(spec, errors);

        if (spec.MaxConcurrency is { } concurrency && (concurrency < 1 || concurrency > MaxConcurrencyLimit))
        {
            errors.Add("maxConcurrency", $"maxConcurrency must be between 1 and {MaxConcurrencyLimit}, not {concurrency}.");
        }

        if (spec.PermitsPerSecond is null && spec.MaxConcurrency is null && spec.Burst is null)
        {
            errors.Add("permitsPerSecond", "A limit needs permitsPerSecond (with burst), maxConcurrency, or both.");
        }

        if (spec.QueueLimit < 0 || spec.QueueLimit > MaxQueueLimit)
        {
            errors.Add("queueLimit", $"queueLimit must be between 0 and {MaxQueueLimit}, not {spec.QueueLimit}.");
        }

        if (spec.MaxQueueWait is { } wait && (wait < TimeSpan.Zero || wait > MaxQueueWaitLimit))
        {
            errors.Add("maxQueueWait", $"maxQueueWait must be between 00:00:00 and {MaxQueueWaitLimit:c}, not {wait:c}.");
        }

        if (spec.QueueLimit > 0 && (spec.MaxQueueWait is null || spec.MaxQueueWait <= TimeSpan.Zero))
        {
            errors.Add("maxQueueWait", "A queue (queueLimit above 0) needs a maxQueueWait above zero: how long a queued call may wait before it is refused.");
        }

        if (spec.QueueLimit == 0 && spec.MaxQueueWait is { } orphan && orphan > TimeSpan.Zero)
        {
            errors.Add("queueLimit", "maxQueueWait is set but queueLimit is 0: set queueLimit to how many calls may wait, or drop maxQueueWait.");
        }

        if (!Enum.IsDefined(spec.WarmupPings))
        {
            errors.Add("warmupPings", "warmupPings must be exemptFromRate, exempt or limited.");
        }

        return errors;
    }

    private static void ValidateRate(RateLimitSpec spec, ValidationErrors errors)
    {
        if (spec.PermitsPerSecond is { } rate)
        {
            if (double.IsNaN(rate) || double.IsInfinity(rate) || rate < 0 || rate > MaxPermitsPerSecond)
            {
                errors.Add("permitsPerSecond", $"permitsPerSecond must be between 0 and {MaxPermitsPerSecond:0}, not {rate}.");
            }
            else if (rate == 0 && (spec.Burst is null or 0))
            {
                // A bucket that never refills and starts empty admits nothing: surely not meant.
                errors.Add("permitsPerSecond", "permitsPerSecond is 0 and there is no burst: nothing would ever be admitted.");
                errors.Add("burst", "With permitsPerSecond 0, burst (a one-off allowance) must be at least 1.");
            }
        }

        if (spec.Burst is { } burst)
        {
            if (burst < 0 || burst > MaxConcurrencyLimit * 10)
            {
                errors.Add("burst", $"burst must be between 0 and {MaxConcurrencyLimit * 10}, not {burst}.");
            }
            else if (spec.PermitsPerSecond is null)
            {
                errors.Add("burst", "burst is the bucket size of a rate limit: set permitsPerSecond too.");
            }
            else if (burst == 0 && spec.PermitsPerSecond > 0)
            {
                errors.Add("burst", "burst must be at least 1: a bucket that holds no token admits nothing.");
            }
        }
    }
}
