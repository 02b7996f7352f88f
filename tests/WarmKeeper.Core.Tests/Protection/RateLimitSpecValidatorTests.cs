using WarmKeeper.Core.Protection;
using Xunit;

namespace WarmKeeper.Core.Tests.Protection;

public sealed class RateLimitSpecValidatorTests
{
    private static RateLimitSpec Valid() => new()
    {
        Id = "orders-db",
        Functions = ["orders", "report"],
        PermitsPerSecond = 50,
        Burst = 10,
        MaxConcurrency = 8,
        QueueLimit = 20,
        MaxQueueWait = TimeSpan.FromSeconds(2),
    };

    [Fact]
    public void A_complete_limit_is_valid()
    {
        Assert.True(RateLimitSpecValidator.Validate(Valid()).IsValid);
        Assert.True(RateLimitSpecValidator.Validate(new RateLimitSpec { Id = "c", Functions = ["f"], MaxConcurrency = 1 }).IsValid);
        Assert.True(RateLimitSpecValidator.Validate(new RateLimitSpec { Id = "once", Functions = ["f"], PermitsPerSecond = 0, Burst = 3 }).IsValid);
    }

    [Fact]
    public void Every_broken_field_is_named_at_once()
    {
        var errors = RateLimitSpecValidator.Validate(Valid() with
        {
            Id = "Bad Id",
            Functions = ["orders", "orders", ""],
            PermitsPerSecond = -1,
            Burst = -2,
            MaxConcurrency = 0,
            QueueLimit = -1,
            MaxQueueWait = TimeSpan.FromSeconds(-1),
        }).ToDictionary();

        Assert.Equal(["burst", "functions", "functions[2]", "id", "maxConcurrency", "maxQueueWait", "permitsPerSecond", "queueLimit"], errors.Keys.Order());
    }

    [Fact]
    public void Zero_rate_without_burst_names_both_fields()
    {
        var errors = RateLimitSpecValidator.Validate(new RateLimitSpec { Id = "z", Functions = ["f"], PermitsPerSecond = 0 }).ToDictionary();
        Assert.Contains("permitsPerSecond", errors.Keys);
        Assert.Contains("burst", errors.Keys);
    }

    [Fact]
    public void A_queue_needs_a_wait_and_a_wait_needs_a_queue()
    {
        var noWait = RateLimitSpecValidator.Validate(Valid() with { MaxQueueWait = null }).ToDictionary();
        Assert.Equal(["maxQueueWait"], noWait.Keys);

        var noQueue = RateLimitSpecValidator.Validate(Valid() with { QueueLimit = 0 }).ToDictionary();
        Assert.Equal(["queueLimit"], noQueue.Keys);
    }

    [Fact]
    public void A_limit_must_limit_something()
    {
        var errors = RateLimitSpecValidator.Validate(new RateLimitSpec { Id = "n", Functions = ["f"] }).ToDictionary();
        Assert.Equal(["permitsPerSecond"], errors.Keys);
    }

    [Fact]
    public void Infinite_or_absurd_rates_are_refused()
    {
        Assert.Contains("permitsPerSecond", RateLimitSpecValidator.Validate(Valid() with { PermitsPerSecond = double.PositiveInfinity }).ToDictionary().Keys);
        Assert.Contains("permitsPerSecond", RateLimitSpecValidator.Validate(Valid() with { PermitsPerSecond = double.NaN }).ToDictionary().Keys);
        Assert.Contains("permitsPerSecond", RateLimitSpecValidator.Validate(Valid() with { PermitsPerSecond = 1e12 }).ToDictionary().Keys);
    }

    [Fact]
    public void Burst_defaults_to_one_second_of_permits()
    {
        Assert.Equal(50, (Valid() with { Burst = null }).EffectiveBurst);
        Assert.Equal(1, (Valid() with { Burst = null, PermitsPerSecond = 0.2 }).EffectiveBurst);
    }
}
