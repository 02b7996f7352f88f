using WarmKeeper.Core.Protection;
using Xunit;

namespace WarmKeeper.Core.Tests.Protection;

public sealed class TokenBucketTests
{
    [Fact]
    public void Starts_full_and_refuses_once_empty_with_the_exact_time_to_the_next_token()
    {
        var bucket = new TokenBucket(permitsPerSecond: 4, burst: 2, now: 10.0);

        Assert.True(bucket.Take(10.0, TimeSpan.Zero).Granted);
        Assert.True(bucket.Take(10.0, TimeSpan.Zero).Granted);
        var refused = bucket.Take(10.1, TimeSpan.Zero);

        Assert.False(refused.Granted);
        // 0.1 s refilled 0.4 tokens; 0.6 more take 0.15 s at 4/s.
        Assert.Equal(0.15, refused.RetryAfter.TotalSeconds, 6);
        Assert.False(bucket.Take(10.1 + 0.149, TimeSpan.Zero).Granted);
        Assert.True(bucket.Take(10.1 + 0.1501, TimeSpan.Zero).Granted);
    }

    [Fact]
    public void Refused_calls_take_nothing()
    {
        var bucket = new TokenBucket(1, 1, 0);
        Assert.True(bucket.Take(0, TimeSpan.Zero).Granted);
        for (var i = 0; i < 100; i++)
        {
            Assert.False(bucket.Take(0.5, TimeSpan.Zero).Granted);
        }

        Assert.True(bucket.Take(1.0, TimeSpan.Zero).Granted);
    }

    [Fact]
    public void Queued_calls_get_future_tokens_in_arrival_order_and_the_queue_bounds_retry_after()
    {
        var bucket = new TokenBucket(10, 1, 0);
        Assert.Equal(TimeSpan.Zero, bucket.Take(0, TimeSpan.FromSeconds(0.35)).Wait);

        var waits = Enumerable.Range(0, 3).Select(_ => bucket.Take(0, TimeSpan.FromSeconds(0.35))).ToList();
        Assert.All(waits, w => Assert.True(w.Granted));
        Assert.Equal([0.1, 0.2, 0.3], waits.Select(w => Math.Round(w.Wait.TotalSeconds, 6)));

        var refused = bucket.Take(0, TimeSpan.FromSeconds(0.35));
        Assert.False(refused.Granted);
        // Its token would come at 0.4 s; it may wait 0.35 s, so a retry is accepted from 0.05 s on.
        Assert.Equal(0.05, refused.RetryAfter.TotalSeconds, 6);
    }

    [Fact]
    public void Never_holds_more_than_its_burst()
    {
        var bucket = new TokenBucket(100, 5, 0);
        Assert.Equal(5, bucket.Level(1000));
        bucket.Return(1000);
        Assert.Equal(5, bucket.Level(1000));
    }

    [Fact]
    public void Zero_rate_is_a_one_off_allowance()
    {
        var bucket = new TokenBucket(0, 2, 0);
        Assert.True(bucket.Take(0, TimeSpan.Zero).Granted);
        Assert.True(bucket.Take(5, TimeSpan.Zero).Granted);
        var refused = bucket.Take(1e6, TimeSpan.FromSeconds(10));
        Assert.False(refused.Granted);
        Assert.Equal(TimeSpan.MaxValue, refused.RetryAfter);
    }

    [Fact]
    public void Admits_the_rate_over_a_long_run_of_overload()
    {
        var bucket = new TokenBucket(50, 5, 0);
        var admitted = 0;
        for (var t = 0.0; t < 10.0; t += 0.004)
        {
            if (bucket.Take(t, TimeSpan.Zero).Granted)
            {
                admitted++;
            }
        }

        Assert.InRange(admitted, 5 + 500 - 2, 5 + 500);
    }
}
