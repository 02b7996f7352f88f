using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Scaling;

namespace WarmKeeper.Core.Tests.Scaling;

public sealed class ConcurrencyDeciderTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static readonly ConcurrencyPolicy Policy = new()
    {
        Id = "p", Target = "local", Function = "f", Qualifier = "live", Min = 1, Max = 100,
        ScaleInDelay = TimeSpan.FromMinutes(2),
    };

    /// <summary>A step of concurrency: <paramref name="before"/> until <paramref name="at"/>, then <paramref name="after"/>.</summary>
    private static DemandRecorder Step(Microsoft.Extensions.Time.Testing.FakeTimeProvider time, int before, int after, TimeSpan at, TimeSpan until)
    {
        var recorder = new DemandRecorder(time);
        for (var t = TimeSpan.Zero; t < until; t += TimeSpan.FromSeconds(1))
        {
            var level = t < at ? before : after;
            for (var i = 0; i < level; i++)
            {
                recorder.OnInvocation(new Observations.InvocationObserved
                {
                    Source = "local", RequestId = "r", FunctionName = "f", Qualifier = "live", InvocationType = "RequestResponse",
                    Start = Observations.InvocationStart.Warm, StartedAt = Start + t, RunDuration = TimeSpan.FromMilliseconds(999), InFlightAtStart = i + 1,
                });
            }
        }

        return recorder;
    }

    private static ScalingDecision Decide(ConcurrencyPolicy policy, DemandRecorder demand, int current, TimeSpan at, ScalingState? state = null) =>
        ConcurrencyDecider.Decide(new ScalingInputs(
            policy, current, demand.For(new DemandKey("local", "f", "live")), state ?? new ScalingState(Start), new CapacityLimits(null, 900), Start + at));

    [Fact]
    public void Burst_reacts_to_a_step_long_before_target_tracking_alone()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Start);
        var demand = Step(time, before: 2, after: 20, at: TimeSpan.FromSeconds(120), until: TimeSpan.FromSeconds(125));
        time.Advance(TimeSpan.FromSeconds(125));

        var withBurst = Decide(Policy, demand, current: 3, at: TimeSpan.FromSeconds(125));
        var trackingOnly = Decide(Policy with { Burst = false }, demand, current: 3, at: TimeSpan.FromSeconds(125));

        Assert.True(withBurst.Desired >= 20, withBurst.Reason);
        Assert.True(trackingOnly.Desired < 10, trackingOnly.Reason);
        Assert.Contains(withBurst.Votes, v => v.Decider == ConcurrencyDecider.Burst && v.Desired >= 20);
    }

    [Fact]
    public void Falling_demand_returns_capacity_only_after_the_delay()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Start);
        var demand = Step(time, before: 20, after: 2, at: TimeSpan.FromSeconds(180), until: TimeSpan.FromSeconds(600));
        time.Advance(TimeSpan.FromSeconds(600));
        var scaledOutAt = new ScalingState(Start, LastScaleOutAt: Start + TimeSpan.FromSeconds(170));

        var early = Decide(Policy, demand, current: 29, at: TimeSpan.FromSeconds(200), scaledOutAt);
        var late = Decide(Policy, demand, current: 29, at: TimeSpan.FromSeconds(600), scaledOutAt);

        Assert.Equal(29, early.Desired);
        Assert.Contains("no scale-in within", early.Reason, StringComparison.Ordinal);
        Assert.InRange(late.Desired, 1, 5);
    }

    [Fact]
    public void A_fresh_start_does_not_scale_in_before_a_full_window()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Start);
        var demand = new DemandRecorder(time);
        time.Advance(TimeSpan.FromSeconds(30));

        var decision = Decide(Policy, demand, current: 10, at: TimeSpan.FromSeconds(30), new ScalingState(Start));

        Assert.Equal(10, decision.Desired);
        Assert.Contains("full 60s window", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Schedules_raise_the_floor_and_a_ceiling_wins_over_it()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Start);
        var demand = new DemandRecorder(time);
        time.Advance(TimeSpan.FromMinutes(5));
        var policy = Policy with
        {
            Schedules = [new ScheduledBound { Cron = "0 12 * * *", Duration = TimeSpan.FromHours(1), Floor = 30 }],
        };

        var floored = Decide(policy, demand, current: 2, at: TimeSpan.FromMinutes(5));
        Assert.Equal(30, floored.Desired);

        var capped = Decide(policy with { Schedules = [.. policy.Schedules, new ScheduledBound { Cron = "0 12 * * *", Ceiling = 12 }] }, demand, current: 2, at: TimeSpan.FromMinutes(5));
        Assert.Equal(12, capped.Desired);
    }

    [Fact]
    public void Reserved_concurrency_caps_the_value_and_says_so()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Start);
        var demand = Step(time, before: 50, after: 50, at: TimeSpan.Zero, until: TimeSpan.FromSeconds(90));
        time.Advance(TimeSpan.FromSeconds(90));

        var decision = ConcurrencyDecider.Decide(new ScalingInputs(
            Policy, 5, demand.For(new DemandKey("local", "f", "live")), new ScalingState(Start), new CapacityLimits(12, 900), Start + TimeSpan.FromSeconds(90)));

        Assert.Equal(12, decision.Desired);
        Assert.Contains("reserved concurrency 12", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_policies_name_every_field()
    {
        var errors = ConcurrencyPolicyValidator.Validate(Policy with
        {
            Qualifier = "$LATEST", Min = -1, Max = -5, TargetUtilization = 0.95, BurstWindow = TimeSpan.FromMinutes(5),
            Schedules = [new ScheduledBound { Cron = "nope", Floor = 5, Ceiling = 2 }],
        }).ToDictionary();

        Assert.Equal(
            ["burstWindow", "max", "min", "qualifier", "schedules[0].cron", "schedules[0].floor", "targetUtilization"],
            errors.Keys.Order(StringComparer.Ordinal));
    }
}
