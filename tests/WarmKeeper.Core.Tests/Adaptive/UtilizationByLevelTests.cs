using WarmKeeper.Core.Adaptive;
using WarmKeeper.Core.Simulation;

namespace WarmKeeper.Core.Tests.Adaptive;

public sealed class UtilizationByLevelTests
{
    [Fact]
    public void Provisioned_concurrency_breaks_even_at_60_percent_utilization_at_aws_prices()
    {
        var prices = PlatformPrices.UsEast1X86;
        var breakEven = UtilizationByLevel.BreakEvenUtilization(prices.OnDemandPerGbSecond, prices.ProvisionedConcurrencyPerGbSecond, prices.ProvisionedDurationPerGbSecond);

        Assert.InRange(breakEven, 0.59, 0.61);
        Assert.Equal(double.PositiveInfinity, UtilizationByLevel.BreakEvenUtilization(1, 1, 1));
    }

    [Fact]
    public void Counts_the_levels_busy_enough_in_both_of_the_last_two_windows()
    {
        var meter = new UtilizationByLevel(windowMs: 1000, maxLevels: 8);
        // Two windows with 2 busy all the time and a third only 30% of the time.
        for (var window = 0; window < 2; window++)
        {
            var start = window * 1000;
            meter.OnConcurrency(start, 3);
            meter.OnConcurrency(start + 300, 2);
        }

        Assert.Equal(0, meter.LevelsAbove(1000, 0.65));
        Assert.Equal(2, meter.LevelsAbove(2000, 0.65));
        Assert.Equal(3, meter.LevelsAbove(2000, 0.25));

        // A quiet window ends it.
        meter.OnConcurrency(2000, 0);
        Assert.Equal(0, meter.LevelsAbove(3000, 0.65));
    }
}
