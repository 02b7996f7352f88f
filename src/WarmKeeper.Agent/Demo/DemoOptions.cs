using Microsoft.Extensions.Options;

namespace WarmKeeper.Agent.Demo;

/// <summary>
/// Section <c>WarmKeeper:Demo</c>: synthetic traffic for the local functions, so a first run shows
/// demand, warm-ups and scaling. On by default only when the local runtime is the only target.
/// </summary>
public sealed class DemoOptions
{
    public const string SectionName = "WarmKeeper:Demo";

    /// <summary>null: on when the local runtime is the only target.</summary>
    public bool? Enabled { get; set; }

    /// <summary>How long one compressed "day" of the daily cycle lasts.</summary>
    public TimeSpan DayLength { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Peak arrivals per second of each demo function at the top of the day.</summary>
    public Dictionary<string, double> PeakRates { get; set; } = new(StringComparer.Ordinal)
    {
        ["hello"] = 8,
        ["orders:live"] = 12,
        ["report"] = 0.3,
    };

    /// <summary>Chance per second that a burst (five times the rate for a few seconds) starts.</summary>
    public double BurstChancePerSecond { get; set; } = 0.01;

    /// <summary>Seed policies (a warm-up and a concurrency policy) when the store has none.</summary>
    public bool SeedPolicies { get; set; } = true;

    /// <summary>Invocations in flight at most, so the demo can never swamp the machine.</summary>
    public int MaxInFlight { get; set; } = 64;
}

internal sealed class DemoOptionsValidator : IValidateOptions<DemoOptions>
{
    public ValidateOptionsResult Validate(string? name, DemoOptions options)
    {
        var errors = new List<string>();
        if (options.DayLength < TimeSpan.FromSeconds(10))
        {
            errors.Add($"{DemoOptions.SectionName}:DayLength must be at least 00:00:10.");
        }

        foreach (var (function, rate) in options.PeakRates)
        {
            if (rate is < 0 or > 1000 || double.IsNaN(rate))
            {
                errors.Add($"{DemoOptions.SectionName}:PeakRates:{function} must be between 0 and 1000 per second.");
            }
        }

        if (options.BurstChancePerSecond is < 0 or > 1)
        {
            errors.Add($"{DemoOptions.SectionName}:BurstChancePerSecond must be between 0 and 1.");
        }

        if (options.MaxInFlight is < 1 or > 1000)
        {
            errors.Add($"{DemoOptions.SectionName}:MaxInFlight must be between 1 and 1000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
