using WarmKeeper.Core.KeepWarm;

namespace WarmKeeper.Core.Simulation;

/// <summary>The platform's constants for one run. Defaults are those of the README's model.</summary>
public sealed record PlatformOptions
{
    /// <summary>Idle time after which an on-demand environment is removed; unknown to policies.</summary>
    public required long ReapMs { get; init; }

    /// <summary>Age at which an idle environment is retired (a provisioned one is replaced at once).</summary>
    public long LifetimeMs { get; init; } = 2 * 60 * 60 * 1000;

    /// <summary>Most environments the account may hold in use at once (see <see cref="PlatformSimulator"/> for what counts).</summary>
    public int AccountConcurrencyLimit { get; init; } = 1000;

    /// <summary>Reserved concurrency by function name: a cap on that function's environments in use.</summary>
    public IReadOnlyDictionary<string, int> ReservedConcurrency { get; init; } = new Dictionary<string, int>();

    /// <summary>Delay before an increase of provisioned concurrency is ready.</summary>
    public long ProvisioningDelayMs { get; init; } = 90_000;

    /// <summary>How long a warm-up ping holds its environment.</summary>
    public int PingDurationMs { get; init; } = 100;

    /// <summary>Prices of the run.</summary>
    public PlatformPrices Prices { get; init; } = PlatformPrices.UsEast1X86;

    /// <summary>Options with the given REAP and everything else at the model's defaults.</summary>
    public static PlatformOptions WithReap(TimeSpan reap) => new() { ReapMs = (long)reap.TotalMilliseconds };

    /// <summary>Every invalid field, named; empty when the options are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ReapMs <= 0)
        {
            errors.Add($"{nameof(ReapMs)}: must be positive, was {ReapMs}");
        }

        if (LifetimeMs <= 0)
        {
            errors.Add($"{nameof(LifetimeMs)}: must be positive, was {LifetimeMs}");
        }

        if (AccountConcurrencyLimit <= 0)
        {
            errors.Add($"{nameof(AccountConcurrencyLimit)}: must be positive, was {AccountConcurrencyLimit}");
        }

        if (ProvisioningDelayMs < 0)
        {
            errors.Add($"{nameof(ProvisioningDelayMs)}: must not be negative, was {ProvisioningDelayMs}");
        }

        if (PingDurationMs < 0)
        {
            errors.Add($"{nameof(PingDurationMs)}: must not be negative, was {PingDurationMs}");
        }

        if (ReservedConcurrency is null)
        {
            errors.Add($"{nameof(ReservedConcurrency)}: must not be null");
        }
        else
        {
            foreach (var (name, value) in ReservedConcurrency)
            {
                if (value < 0)
                {
                    errors.Add($"{nameof(ReservedConcurrency)}[{name}]: must not be negative, was {value}");
                }
            }
        }

        if (Prices is null)
        {
            errors.Add($"{nameof(Prices)}: must not be null");
        }

        return errors;
    }
}
