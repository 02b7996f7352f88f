using WarmKeeper.Core.Adaptive;

namespace WarmKeeper.Core.Tests.Adaptive;

public sealed class ProvisioningDeciderTests
{
    private static readonly AdaptiveOptions Options = new();

    private static PlainWarmerInputs Inputs(long now, int peak, int baselinePeak, long baselineLifetimes) =>
        new(now, peak, baselinePeak, baselineLifetimes, PingUsd: 1.0, InitUsd: 10.0, Options, PingDurationMs: 100);

    [Fact]
    public void The_plain_warmer_is_credited_its_pings_over_the_interval_at_its_peak()
    {
        var credit = ProvisioningDecider.PlainWarmer(Inputs(now: 60_000, peak: 2, baselinePeak: 2, baselineLifetimes: 0));

        Assert.Equal(60_000.0 / 300_000 * 2 * 1.0, credit.Usd, 12);
        Assert.Equal(new PlainWarmerCredit(credit.Usd, 2, 0), credit);
    }

    [Fact]
    public void A_function_never_seen_counts_as_one_environment_and_a_new_level_pays_its_cold_start_once()
    {
        var first = ProvisioningDecider.PlainWarmer(Inputs(now: 60_000, peak: 0, baselinePeak: 0, baselineLifetimes: 0));
        Assert.Equal((60_000.0 / 300_000 * 1.0) + 10.0, first.Usd, 12);
        Assert.Equal(1, first.BaselinePeak);

        var again = ProvisioningDecider.PlainWarmer(Inputs(now: 120_000, peak: 0, baselinePeak: first.BaselinePeak, baselineLifetimes: 0));
        Assert.Equal(60_000.0 / 300_000 * 1.0, again.Usd, 12);
    }

    [Fact]
    public void Restarts_are_credited_when_a_lifetime_completes_for_every_level_of_the_peak()
    {
        var credit = ProvisioningDecider.PlainWarmer(Inputs(now: Options.EnvironmentLifetimeMs, peak: 3, baselinePeak: 3, baselineLifetimes: 0));

        Assert.Equal((60_000.0 / 300_000 * 3 * 1.0) + (3 * 10.0), credit.Usd, 12);
        Assert.Equal(1, credit.BaselineLifetimes);
    }

    [Fact]
    public void Levels_busy_beyond_break_even_are_allowed_and_none_left_releases_what_is_provisioned()
    {
        Assert.Equal(new ProvisioningDecision(true, 3, ProvisioningCause.BusyBeyondBreakEven), ProvisioningDecider.Provisioning(3, provisioned: 0));
        Assert.Equal(new ProvisioningDecision(true, 0, ProvisioningCause.Release), ProvisioningDecider.Provisioning(0, provisioned: 2));
        Assert.Equal(new ProvisioningDecision(false, 0, ProvisioningCause.NotNeeded), ProvisioningDecider.Provisioning(0, provisioned: 0));
    }
}
