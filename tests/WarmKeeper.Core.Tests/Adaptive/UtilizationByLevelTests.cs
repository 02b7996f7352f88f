using WarmKeeper.Core.Adaptive;
using WarmKeeper.Core.KeepWarm;
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

        // Two windows with two invocations running all the time and a third for the first 30%.
        void Window(long start)
        {
            meter.OnArrival(start);
            meter.OnArrival(start);
            meter.OnArrival(start);
            meter.OnCompletion(start, start + 300);
            meter.OnCompletion(start, start + 999);
            meter.OnCompletion(start, start + 999);
        }

        Window(0);
        Assert.Equal(0, meter.LevelsAbove(1000, 0.65));
        Window(1000);
        Assert.Equal(2, meter.LevelsAbove(2000, 0.65));
        Assert.Equal(3, meter.LevelsAbove(2000, 0.25));

        // A quiet window ends it.
        Assert.Equal(0, meter.LevelsAbove(3000, 0.65));
    }

    [Fact]
    public void The_first_environment_keeps_only_what_it_took_when_free_as_a_preferred_provisioned_one_would()
    {
        var meter = new UtilizationByLevel(windowMs: 10_000, maxLevels: 4);
        // Every second: an invocation of 400 ms, and 200 ms later one of 700 ms. Something runs 90% of the time, but the
        // first environment is busy only 40%: the second arrival finds it busy, goes to the second and stays there.
        for (var t = 0L; t < 20_000; t += 1000)
        {
            meter.OnArrival(t);
            meter.OnArrival(t + 200);
            meter.OnCompletion(t, t + 400);
            meter.OnCompletion(t + 200, t + 900);
        }

        Assert.Equal(0, meter.LevelsAbove(20_000, 0.6));
        Assert.Equal(2, meter.LevelsAbove(20_000, 0.4));
    }

    [Fact]
    public void An_invocation_running_across_a_window_boundary_is_credited_to_both()
    {
        var meter = new UtilizationByLevel(windowMs: 1000, maxLevels: 2);
        meter.OnArrival(0);
        meter.OnCompletion(0, 1800);
        meter.OnArrival(1800);
        meter.OnCompletion(1800, 2000);

        Assert.Equal(1, meter.LevelsAbove(2000, 1.0));
    }
}
