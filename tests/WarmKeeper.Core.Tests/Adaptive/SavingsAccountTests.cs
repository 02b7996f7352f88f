using WarmKeeper.Core.Adaptive;
using WarmKeeper.Core.KeepWarm;

namespace WarmKeeper.Core.Tests.Adaptive;

public sealed class SavingsAccountTests
{
    private static readonly KeepWarmFunction[] Functions = [new("api", 1024, 1000)];

    private static SavingsAccount Open(double reserve = 0.5) =>
        new(new AdaptiveOptions { SavingsReserve = reserve }, PlatformPrices.UsEast1X86, Functions, pingDurationMs: 100);

    [Fact]
    public void A_ping_and_a_cold_start_are_priced_by_the_functions_memory_and_init()
    {
        var account = Open();

        Assert.Equal((0.20 / 1e6) + (0.1 * 0.0000166667), account.PingUsd(0), 12);
        Assert.Equal(1.0 * 0.0000166667, account.InitUsd(0), 12);
    }

    [Fact]
    public void A_probe_is_affordable_once_the_savings_cover_two_pings_and_two_cold_starts()
    {
        var account = Open();
        Assert.False(account.CanAffordProbe(0));

        account.CreditBaseline(2 * (account.PingUsd(0) + account.InitUsd(0)));

        Assert.True(account.CanAffordProbe(0));
        account.PayPings(0, 1);
        Assert.False(account.CanAffordProbe(0));
    }

    [Fact]
    public void Extras_are_paid_only_from_savings_beyond_the_reserve_of_the_baseline()
    {
        var account = Open(reserve: 0.5);
        account.CreditBaseline(1.0);

        Assert.True(account.CanAffordExtra(0.5));
        Assert.False(account.CanAffordExtra(0.51));
        account.PayColdPing(0);
        Assert.Equal(1.0 - account.InitUsd(0), account.SavedUsd, 12);
        Assert.Equal(1.0, account.BaselineUsd, 12);
    }
}
