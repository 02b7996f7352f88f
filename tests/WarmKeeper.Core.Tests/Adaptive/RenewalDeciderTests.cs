using WarmKeeper.Core.Adaptive;

namespace WarmKeeper.Core.Tests.Adaptive;

public sealed class RenewalDeciderTests
{
    /// <summary>A lone, idle environment, 3 s before its end of life, with savings to pay for a handover.</summary>
    private static RenewalInputs Before(
        bool planned = true,
        bool busy = false,
        bool probing = false,
        int desired = 1,
        bool userExpected = false,
        bool canAfford = true) =>
        new(NowMs: 7_197_000, RenewalMs: 7_200_000, planned, busy, probing, desired, Retiring: 1, userExpected, canAfford, long.MaxValue);

    private static RenewalInputs AtEndOfLife(bool busy = false, int desired = 1, int retiring = 1, long owedBy = long.MaxValue) =>
        new(NowMs: 7_200_000, RenewalMs: 7_200_000, Planned: true, busy, Probing: false, desired, retiring, UserDuringReplacement: false, CanAffordHandover: false, owedBy);

    [Fact]
    public void A_renewal_no_longer_planned_does_nothing()
    {
        Assert.Equal(new RenewalDecision(RenewalAction.Stale, RenewalCause.NotPlanned), RenewalDecider.Decide(Before(planned: false)));
    }

    [Fact]
    public void A_lone_idle_environment_is_handed_over_before_its_end_when_the_savings_pay()
    {
        Assert.Equal(new RenewalDecision(RenewalAction.Handover, RenewalCause.Paid), RenewalDecider.Decide(Before()));
    }

    [Fact]
    public void A_user_expected_during_a_plain_replacement_is_worth_a_handover_even_unpaid()
    {
        Assert.Equal(new RenewalDecision(RenewalAction.Handover, RenewalCause.UserExpected), RenewalDecider.Decide(Before(userExpected: true, canAfford: false)));
    }

    [Theory]
    [InlineData(true, false, 1, true, RenewalCause.Busy)]
    [InlineData(false, true, 1, true, RenewalCause.Probing)]
    [InlineData(false, false, 2, true, RenewalCause.KeepsSeveral)]
    [InlineData(false, false, 1, false, RenewalCause.NotWorthIt)]
    public void A_handover_is_deferred_to_the_end_of_life_and_says_why(bool busy, bool probing, int desired, bool canAfford, RenewalCause cause)
    {
        Assert.Equal(new RenewalDecision(RenewalAction.Defer, cause), RenewalDecider.Decide(Before(busy: busy, probing: probing, desired: desired, canAfford: canAfford)));
    }

    [Fact]
    public void At_the_end_of_life_an_idle_function_is_replaced_now_and_a_busy_one_when_idle()
    {
        Assert.Equal(RenewalAction.Replace, RenewalDecider.Decide(AtEndOfLife()).Action);
        Assert.Equal(new RenewalDecision(RenewalAction.WaitForIdle, RenewalCause.Busy), RenewalDecider.Decide(AtEndOfLife(busy: true)));
    }

    [Fact]
    public void A_few_of_many_retiring_are_left_to_a_full_ping_owed_within_a_minute_or_sooner_if_already_owed()
    {
        var decision = RenewalDecider.Decide(AtEndOfLife(desired: 5, retiring: 2));
        Assert.Equal(new RenewalDecision(RenewalAction.OweFullPing, RenewalCause.FewOfMany, 7_200_000 + RenewalDecider.OwedFullPingMs), decision);

        Assert.Equal(7_230_000, RenewalDecider.Decide(AtEndOfLife(desired: 5, retiring: 2, owedBy: 7_230_000)).FullPingOwedByMs);
    }

    [Fact]
    public void Half_or_more_of_many_retiring_are_replaced_now()
    {
        Assert.Equal(RenewalAction.Replace, RenewalDecider.Decide(AtEndOfLife(desired: 4, retiring: 2)).Action);
    }

    [Fact]
    public void A_renewal_pings_the_environments_users_do_not_hold_at_least_one_and_a_successor_for_a_handover()
    {
        Assert.Equal(1, RenewalDecider.FanOut(desired: 1, users: 0, handover: false));
        Assert.Equal(2, RenewalDecider.FanOut(desired: 1, users: 0, handover: true));
        Assert.Equal(1, RenewalDecider.FanOut(desired: 3, users: 5, handover: false));
        Assert.Equal(2, RenewalDecider.FanOut(desired: 3, users: 1, handover: false));
    }
}
