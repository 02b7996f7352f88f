using WarmKeeper.Core.KeepWarm;

namespace WarmKeeper.Core.Adaptive;

/// <summary>
/// What the adaptive policy has saved against a plain warmer (a ping every <see cref="AdaptiveOptions.DefaultIdleTimeoutMs"/>
/// plus a ping's length, at the highest fan-out seen so far, restarting its environments at each end of life) less
/// what it spent on pings and on its pings' cold starts.
/// </summary>
/// <remarks>
/// Probing for a longer idle timeout is paid from it, so that where the timeout turns out to be short learning never
/// costs more than adapting has already saved; extras that buy protection rather than savings are paid only from
/// what lies beyond a reserve.
/// </remarks>
public sealed class SavingsAccount
{
    private readonly AdaptiveOptions _options;
    private readonly PlatformPrices _prices;
    private readonly IReadOnlyList<KeepWarmFunction> _functions;
    private readonly long _pingDurationMs;

    /// <summary>Opens an empty account for the given functions.</summary>
    public SavingsAccount(AdaptiveOptions options, PlatformPrices prices, IReadOnlyList<KeepWarmFunction> functions, long pingDurationMs)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(prices);
        ArgumentNullException.ThrowIfNull(functions);
        _options = options;
        _prices = prices;
        _functions = functions;
        _pingDurationMs = pingDurationMs;
    }

    /// <summary>Saved so far, in USD (negative when adapting has cost more than the plain warmer).</summary>
    public double SavedUsd { get; private set; }

    /// <summary>What the plain warmer would have spent so far: a share of it is kept in reserve, never spent on extras.</summary>
    public double BaselineUsd { get; private set; }

    /// <summary>The price of one ping of a function.</summary>
    public double PingUsd(int function) =>
        (_prices.PerMillionRequests / 1e6) + (_pingDurationMs / 1000.0 * _functions[function].MemoryMb / 1024.0 * _prices.OnDemandPerGbSecond);

    /// <summary>The price of one cold start of a function (its init, billed on demand).</summary>
    public double InitUsd(int function) =>
        _functions[function].InitMs / 1000.0 * _functions[function].MemoryMb / 1024.0 * _prices.OnDemandPerGbSecond;

    /// <summary>Pays for <paramref name="count"/> pings of a function.</summary>
    public void PayPings(int function, int count) => SavedUsd -= count * PingUsd(function);

    /// <summary>Pays for a cold start one of our pings met.</summary>
    public void PayColdPing(int function) => SavedUsd -= InitUsd(function);

    /// <summary>Credits what the plain warmer would have spent meanwhile.</summary>
    public void CreditBaseline(double usd)
    {
        SavedUsd += usd;
        BaselineUsd += usd;
    }

    /// <summary>
    /// A round of probing costs at most two extra pings and two cold starts of the probing function (arming the shadow,
    /// and finding it gone); it is started only when what adapting has saved so far covers it.
    /// </summary>
    public bool CanAffordProbe(int function) => SavedUsd >= 2 * (PingUsd(function) + InitUsd(function));

    /// <summary>
    /// Extras that buy protection rather than savings (a handover's second ping) are paid only from savings beyond a
    /// reserve of <see cref="AdaptiveOptions.SavingsReserve"/> of what the plain warmer would have spent: where the
    /// idle timeout is short, adapting saves a few percent at most, and that margin is kept.
    /// </summary>
    public bool CanAffordExtra(double usd) => SpendableUsd >= usd;

    /// <summary>What may be spent on extras: the savings beyond the reserve (see <see cref="CanAffordExtra"/>).</summary>
    public double SpendableUsd => SavedUsd - (_options.SavingsReserve * BaselineUsd);
}
