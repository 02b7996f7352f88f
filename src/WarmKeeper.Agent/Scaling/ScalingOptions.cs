using Microsoft.Extensions.Options;

namespace WarmKeeper.Agent.Scaling;

/// <summary>Section <c>WarmKeeper:Scaling</c>.</summary>
public sealed class ScalingOptions
{
    public const string SectionName = "WarmKeeper:Scaling";

    /// <summary>How often the reconciler compares desired with actual provisioned concurrency.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>What must stay unreserved in the account (AWS: 100).</summary>
    public int UnreservedFloor { get; set; } = Core.Scaling.ScalingDefaults.UnreservedFloor;

    /// <summary>How often complete minutes of demand are written to the store.</summary>
    public TimeSpan RollupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How far back one-second demand detail is kept in memory.</summary>
    public TimeSpan DemandDetail { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How many policies one tick reconciles at once. Each reads its target's control plane (two
    /// calls, and a put when it changes something), which is rate-limited (on AWS 15 requests a second
    /// per account and Region by default): a throttled call is retried by the target's resilience
    /// pipeline (backoff, Retry-After), so a higher value mostly buys more throttles. 1 reconciles one after another.
    /// </summary>
    public int Concurrency { get; set; } = DefaultConcurrency;

    public const int DefaultConcurrency = 4;

    public const int MaxConcurrency = 64;
}

internal sealed class ScalingOptionsValidator : IValidateOptions<ScalingOptions>
{
    public ValidateOptionsResult Validate(string? name, ScalingOptions options)
    {
        var errors = new List<string>();
        if (options.Interval < TimeSpan.FromMilliseconds(100) || options.Interval > TimeSpan.FromMinutes(10))
        {
            errors.Add($"{ScalingOptions.SectionName}:Interval must be between 00:00:00.1 and 00:10:00.");
        }

        if (options.RollupInterval < TimeSpan.FromSeconds(1) || options.RollupInterval > TimeSpan.FromMinutes(30))
        {
            errors.Add($"{ScalingOptions.SectionName}:RollupInterval must be between 00:00:01 and 00:30:00.");
        }

        if (options.UnreservedFloor < 0)
        {
            errors.Add($"{ScalingOptions.SectionName}:UnreservedFloor must be 0 or more.");
        }

        if (options.Concurrency is < 1 or > ScalingOptions.MaxConcurrency)
        {
            errors.Add($"{ScalingOptions.SectionName}:Concurrency must be between 1 and {ScalingOptions.MaxConcurrency}.");
        }

        if (options.DemandDetail < TimeSpan.FromMinutes(5) || options.DemandDetail > TimeSpan.FromHours(24))
        {
            errors.Add($"{ScalingOptions.SectionName}:DemandDetail must be between 00:05:00 and 1.00:00:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
