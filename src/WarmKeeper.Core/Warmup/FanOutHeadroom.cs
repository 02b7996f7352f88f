namespace WarmKeeper.Core.Warmup;

/// <summary>What the function has room for right now.</summary>
/// <param name="ReservedConcurrency">The function's reserved concurrency, or null when it draws on the unreserved pool.</param>
/// <param name="UnreservedConcurrency">The account's unreserved concurrency (from GetAccountSettings).</param>
/// <param name="InFlight">Invocations of the function running now (real traffic).</param>
/// <param name="Margin">Environments always left free for real traffic.</param>
public readonly record struct Headroom(int? ReservedConcurrency, int UnreservedConcurrency, int InFlight, int Margin = WarmupDefaults.HeadroomMargin);

/// <summary>How many pings a run may send, and why fewer than asked.</summary>
public readonly record struct FanOutDecision(int Requested, int Allowed, bool Capped, string? Reason);

/// <summary>
/// Warm-up pings must never take capacity that real traffic needs: the fan-out is capped at the
/// function's limit (reserved concurrency, else the unreserved pool) minus what is in flight minus a margin.
/// </summary>
public static class FanOutHeadroom
{
    public static FanOutDecision Decide(int requested, Headroom headroom)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requested);
        var limit = headroom.ReservedConcurrency ?? headroom.UnreservedConcurrency;
        var available = Math.Max(0, limit - Math.Max(0, headroom.InFlight) - Math.Max(0, headroom.Margin));
        if (requested <= available)
        {
            return new FanOutDecision(requested, requested, false, null);
        }

        var source = headroom.ReservedConcurrency is { } reserved
            ? $"reserved concurrency {reserved}"
            : $"unreserved account concurrency {headroom.UnreservedConcurrency}";
        return new FanOutDecision(
            requested,
            available,
            true,
            $"capped at {available} of {requested}: {source} minus {headroom.InFlight} in flight minus a margin of {headroom.Margin}");
    }
}
