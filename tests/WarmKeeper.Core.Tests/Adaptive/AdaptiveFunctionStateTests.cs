using WarmKeeper.Core.Adaptive;

namespace WarmKeeper.Core.Tests.Adaptive;

public sealed class AdaptiveFunctionStateTests
{
    private const long Lifetime = 7_200_000;
    private const long Coalesce = 30_000;

    [Fact]
    public void Births_within_the_coalescing_window_share_one_renewal_moved_to_the_latest_age()
    {
        var state = new AdaptiveFunctionState(new AdaptiveOptions());

        Assert.Equal(Lifetime + 1_000, state.AddBirth(1_000, Lifetime, Coalesce));
        Assert.Equal(Lifetime + 20_000, state.AddBirth(20_000, Lifetime, Coalesce));
        Assert.Null(state.AddBirth(5_000, Lifetime, Coalesce));
        Assert.Equal(Lifetime + 100_000, state.AddBirth(100_000, Lifetime, Coalesce));

        Assert.Equal([1_000, 5_000, 20_000, 100_000], state.Births);
        Assert.Equal([Lifetime + 20_000, Lifetime + 100_000], state.Renewals);
    }
}
