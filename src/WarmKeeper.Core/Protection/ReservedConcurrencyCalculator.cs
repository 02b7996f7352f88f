using System.Globalization;

namespace WarmKeeper.Core.Protection;

/// <summary>What the cloud should reserve for a function so that it enforces a rate limit by itself.</summary>
/// <param name="Desired">The reserved concurrency to apply; null when none can be applied.</param>
/// <param name="FromLittlesLaw">⌈rate × p95 duration⌉ before the bounds were applied (null without a rate).</param>
/// <param name="Reason">How the figure was reached, for the event log.</param>
public sealed record ReservedConcurrencyDerivation(int? Desired, int? FromLittlesLaw, string Reason);

/// <summary>
/// Little's law: the mean number in a system is the arrival rate times the time each spends in it.
/// Calls arriving at the limit's rate and running for the observed p95 duration keep about
/// rate × p95 environments busy; reserving that many makes the cloud throttle beyond the limit too.
/// </summary>
public static class ReservedConcurrencyCalculator
{
    /// <param name="spec">The rate limit.</param>
    /// <param name="p95Duration">The function's observed p95 run duration.</param>
    /// <param name="provisionedConcurrency">Provisioned concurrency of the function (all qualifiers); reserved may not go below it.</param>
    /// <param name="currentReserved">The function's reserved concurrency now (it returns to the pool if changed).</param>
    /// <param name="unreservedConcurrency">The account's unreserved concurrency now (GetAccountSettings).</param>
    /// <param name="unreservedFloor">The unreserved pool may not fall below this (100 on AWS).</param>
    public static ReservedConcurrencyDerivation Derive(
        RateLimitSpec spec, TimeSpan p95Duration, int provisionedConcurrency, int? currentReserved, int unreservedConcurrency, int unreservedFloor)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var c = CultureInfo.InvariantCulture;
        int? little = null;
        var reasons = new List<string>();
        if (spec.PermitsPerSecond is { } rate)
        {
            // Rounding guards against 0.1 × 0.3 = 0.030000000000000002 becoming 1 extra environment.
            little = Math.Max(1, (int)Math.Ceiling(Math.Round(rate * p95Duration.TotalSeconds, 9)));
            reasons.Add(string.Create(c, $"{rate:0.###}/s × p95 {p95Duration.TotalMilliseconds:0.#} ms = {rate * p95Duration.TotalSeconds:0.###} → {little}"));
        }

        var desired = little;
        if (spec.MaxConcurrency is { } cap && (desired is null || cap < desired))
        {
            desired = cap;
            reasons.Add(string.Create(c, $"maxConcurrency {cap} is tighter"));
        }

        if (desired is null)
        {
            return new ReservedConcurrencyDerivation(null, null, "The limit has neither a rate nor a concurrency cap.");
        }

        if (desired < provisionedConcurrency)
        {
            desired = provisionedConcurrency;
            reasons.Add(string.Create(c, $"raised to provisioned concurrency {provisionedConcurrency}"));
        }

        // Reserving takes from the unreserved pool; what the function holds now goes back first.
        var available = unreservedConcurrency + (currentReserved ?? 0) - unreservedFloor;
        if (desired > available)
        {
            if (available < Math.Max(1, provisionedConcurrency))
            {
                return new ReservedConcurrencyDerivation(null, little, string.Join("; ", reasons) + string.Create(c,
                    $"; cannot apply: only {Math.Max(0, available)} can be reserved without taking the unreserved pool below {unreservedFloor}"));
            }

            desired = available;
            reasons.Add(string.Create(c, $"capped at {available} to keep the unreserved pool at its floor of {unreservedFloor}"));
        }

        return new ReservedConcurrencyDerivation(desired, little, string.Join("; ", reasons));
    }
}
