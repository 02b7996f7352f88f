using System.Globalization;
using Microsoft.Extensions.Options;

namespace WarmKeeper.Agent.Simulation;

/// <summary>
/// Section <c>WarmKeeper:Simulations</c>: how much work <c>POST /api/v1/simulations</c> may take. Beyond
/// <see cref="MaxConcurrent"/> a request is answered 429 with Retry-After; beyond a size limit, 413 naming it.
/// </summary>
public sealed class SimulationOptions
{
    public const string SectionName = "WarmKeeper:Simulations";

    /// <summary>
    /// Simulations running at once. Each uses at most half the cores (its runs in parallel), so the default of one
    /// leaves the other half to the agent's real work on a small machine.
    /// </summary>
    public int MaxConcurrent { get; set; } = 1;

    /// <summary>Largest request body, in bytes; the default takes the shipped 24-hour sample traces (about 11 MB as JSON).</summary>
    public long MaxBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Most functions in one simulated trace: ping policies do work per function at every tick, whatever the demand.</summary>
    public int MaxFunctions { get; set; } = 1_000;

    /// <summary>Most invocations in one simulated trace.</summary>
    public int MaxInvocations { get; set; } = 1_000_000;

    /// <summary>What a refused caller is told to wait before trying again (Retry-After, whole seconds).</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The Retry-After header's value.</summary>
    internal string RetryAfterSeconds => ((long)Math.Ceiling(RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}

/// <summary>Every problem in <see cref="SimulationOptions"/> at once, each naming its configuration key.</summary>
internal sealed class SimulationOptionsValidator : IValidateOptions<SimulationOptions>
{
    public ValidateOptionsResult Validate(string? name, SimulationOptions options)
    {
        const string prefix = SimulationOptions.SectionName;
        var errors = new List<string>();
        if (options.MaxConcurrent is < 1 or > 64)
        {
            errors.Add($"{prefix}:MaxConcurrent must be between 1 and 64, not {options.MaxConcurrent}.");
        }

        if (options.MaxBodyBytes is < 1024 or > 1024L * 1024 * 1024)
        {
            errors.Add($"{prefix}:MaxBodyBytes must be between 1024 and 1073741824 (1 GiB), not {options.MaxBodyBytes}.");
        }

        if (options.MaxFunctions is < 1 or > 1_000_000)
        {
            errors.Add($"{prefix}:MaxFunctions must be between 1 and 1000000, not {options.MaxFunctions}.");
        }

        if (options.MaxInvocations is < 1 or > 100_000_000)
        {
            errors.Add($"{prefix}:MaxInvocations must be between 1 and 100000000, not {options.MaxInvocations}.");
        }

        if (options.RetryAfter < TimeSpan.FromSeconds(1) || options.RetryAfter > TimeSpan.FromHours(1))
        {
            errors.Add($"{prefix}:RetryAfter must be between 00:00:01 and 01:00:00, not {options.RetryAfter}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
