using WarmKeeper.Core.Adaptive;

namespace WarmKeeper.Core.Tests.Adaptive;

public sealed class WarmthForecastTests
{
    private const long Minute = 60_000;
    private const long Hour = 60 * Minute;

    [Fact]
    public void One_environment_is_always_kept_and_a_peak_is_kept_for_a_while_after_its_use()
    {
        var options = new AdaptiveOptions();
        var forecast = new WarmthForecast(options);
        Assert.Equal(1, forecast.DesiredWarm(0));

        forecast.OnConcurrency(10 * Minute, 4);
        Assert.Equal(4, forecast.Peak);
        Assert.Equal(4, forecast.DesiredWarm(10 * Minute + options.KeepAfterUseMs));

        // Too few idle times for a histogram: the default keep-alive applies, then the warmth is given up.
        Assert.Equal(4, forecast.DesiredWarm(10 * Minute + options.DefaultKeepAliveMs));
        Assert.Equal(1, forecast.DesiredWarm(10 * Minute + options.DefaultKeepAliveMs + 1));
    }

    [Fact]
    public void A_regular_peak_is_released_between_uses_and_rewarmed_before_the_next()
    {
        var options = new AdaptiveOptions();
        var forecast = new WarmthForecast(options);
        // A batch of 3 every 4 hours.
        for (var i = 0; i < 6; i++)
        {
            forecast.OnConcurrency(i * 4 * Hour, 3);
        }

        var last = 5 * 4 * Hour;
        Assert.Equal(3, forecast.DesiredWarm(last + options.KeepAfterUseMs));
        Assert.Equal(1, forecast.DesiredWarm(last + (2 * Hour)));
        var rewarm = forecast.NextRewarmAtMs(last + (2 * Hour));
        Assert.Equal(last + (4 * Hour) - options.PrewarmLeadMs, rewarm);
        Assert.Equal(3, forecast.DesiredWarm(rewarm!.Value));

        // Long past the tail of its idle times the peak is not kept.
        Assert.Equal(1, forecast.DesiredWarm(last + (6 * Hour) + (30 * Minute)));
    }

    [Fact]
    public void Regular_arrivals_are_predicted_and_irregular_ones_are_not()
    {
        var options = new AdaptiveOptions();
        var timer = new WarmthForecast(options);
        var api = new WarmthForecast(options);
        for (var i = 0; i < 10; i++)
        {
            timer.OnConcurrency((i * 5 * Minute) + (i % 3 * 300), 1);
            api.OnConcurrency(i * i * 3 * Minute, 1);
        }

        var window = timer.ExpectedArrival();
        Assert.NotNull(window);
        Assert.InRange(window.Value.FromMs, (9 * 5 * Minute) + (4 * Minute), (10 * 5 * Minute) + 1000);
        Assert.InRange(window.Value.ToMs - window.Value.FromMs, 0, 1000);
        Assert.Null(api.ExpectedArrival());
    }

    [Fact]
    public void A_rhythm_seen_once_is_predicted_before_the_histogram_has_samples_and_noise_is_not()
    {
        var options = new AdaptiveOptions();

        // A timer's second arrival: its one interval predicts the third (within a second and half a percent).
        var timer = new WarmthForecast(options);
        timer.OnConcurrency(241_784, 1);
        timer.OnConcurrency(541_858, 1);
        Assert.Null(timer.ExpectedArrival());
        var predicted = timer.PredictedArrivalWithin(841_876, 841_976);
        Assert.NotNull(predicted);
        Assert.InRange(predicted.Value, 841_932 - options.CollisionGuardMs - 1_501, 841_876);
        Assert.Null(timer.PredictedArrivalWithin(700_000, 800_000));

        // Irregular intervals, none seen twice, predict nothing; once one repeats, it does.
        var api = new WarmthForecast(options);
        long[] arrivals = [0, 7 * Minute, 20 * Minute, 53 * Minute];
        foreach (var at in arrivals)
        {
            api.OnConcurrency(at, 1);
        }

        Assert.Null(api.PredictedArrivalWithin(53 * Minute, 53 * Minute + Hour));
        api.OnConcurrency(66 * Minute, 1); // 13 minutes again
        Assert.NotNull(api.PredictedArrivalWithin(79 * Minute, 79 * Minute));
    }

    [Fact]
    public void The_same_hour_yesterday_keeps_its_peak_warm_today()
    {
        var options = new AdaptiveOptions();
        var forecast = new WarmthForecast(options);
        forecast.OnConcurrency(9 * Hour, 5);

        Assert.Equal(1, forecast.DesiredWarm((9 * Hour) + options.DefaultKeepAliveMs + Hour));
        Assert.Equal(5, forecast.DesiredWarm(33 * Hour));
        Assert.Equal((33 * Hour) - options.PrewarmLeadMs, forecast.NextRewarmAtMs(32 * Hour));
    }

    [Fact]
    public void Histogram_percentiles_use_the_most_recent_idle_times()
    {
        var histogram = new IdleTimeHistogram(capacity: 4);
        foreach (var value in new long[] { 100, 1, 2, 3, 4 })
        {
            histogram.Add(value);
        }

        Assert.Equal(4, histogram.Count);
        Assert.Equal(1, histogram.Percentile(0.05));
        Assert.Equal(4, histogram.Percentile(0.99));
        Assert.Throws<InvalidOperationException>(() => new IdleTimeHistogram().Percentile(0.5));
    }
}
