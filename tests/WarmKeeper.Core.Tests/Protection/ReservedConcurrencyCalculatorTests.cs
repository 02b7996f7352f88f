using WarmKeeper.Core.Protection;
using Xunit;

namespace WarmKeeper.Core.Tests.Protection;

public sealed class ReservedConcurrencyCalculatorTests
{
    private static readonly RateLimitSpec Limit = new() { Id = "db", Functions = ["orders"], PermitsPerSecond = 40 };

    [Fact]
    public void Rate_times_p95_rounded_up()
    {
        var d = ReservedConcurrencyCalculator.Derive(Limit, TimeSpan.FromMilliseconds(120), 0, null, 1000, 100);
        Assert.Equal(5, d.Desired); // 40 × 0.12 = 4.8
        Assert.Equal(5, d.FromLittlesLaw);
    }

    [Fact]
    public void Exact_products_are_not_rounded_past_themselves()
    {
        var d = ReservedConcurrencyCalculator.Derive(Limit with { PermitsPerSecond = 10 }, TimeSpan.FromMilliseconds(300), 0, null, 1000, 100);
        Assert.Equal(3, d.Desired);
    }

    [Fact]
    public void Never_below_provisioned_concurrency()
    {
        var d = ReservedConcurrencyCalculator.Derive(Limit, TimeSpan.FromMilliseconds(10), 7, null, 1000, 100);
        Assert.Equal(7, d.Desired);
        Assert.Contains("provisioned", d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tighter_concurrency_cap_wins()
    {
        var d = ReservedConcurrencyCalculator.Derive(Limit with { MaxConcurrency = 3 }, TimeSpan.FromSeconds(1), 0, null, 1000, 100);
        Assert.Equal(3, d.Desired);
    }

    [Fact]
    public void Capped_so_the_unreserved_pool_keeps_its_floor_counting_what_the_function_gives_back()
    {
        var d = ReservedConcurrencyCalculator.Derive(Limit, TimeSpan.FromSeconds(10), 0, currentReserved: 20, unreservedConcurrency: 110, unreservedFloor: 100);
        Assert.Equal(30, d.Desired); // 110 + 20 − 100
        Assert.Equal(400, d.FromLittlesLaw);
    }

    [Fact]
    public void Nothing_when_the_pool_has_no_room_at_all()
    {
        var d = ReservedConcurrencyCalculator.Derive(Limit, TimeSpan.FromSeconds(1), 0, null, 100, 100);
        Assert.Null(d.Desired);
        Assert.Contains("cannot apply", d.Reason, StringComparison.Ordinal);
    }
}
