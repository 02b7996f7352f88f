using System.Text.Json;
using CsCheck;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Scaling;

namespace WarmKeeper.Core.Tests.Scaling;

/// <summary>
/// Decisions write their votes and reasons when first read; what they write must be what the eager
/// decider wrote, to the letter, over random policies (every decider, schedules), demand, state and limits.
/// </summary>
public sealed class LazyReasonTests
{
    private static readonly DateTimeOffset Epoch = new(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Demand that answers each window with its own summary, derived from the window and a seed, and
    /// knows nothing about some windows: so that every window a decider reads can differ.
    /// </summary>
    private sealed class WindowedDemand(int seed, DateTimeOffset now) : IDemandHistory
    {
        public DemandSummary Summarize(DateTimeOffset from, DateTimeOffset to)
        {
            var hash = HashCode.Combine(seed, (now - from).Ticks, (to - from).Ticks);
            var random = new Random(hash);
            if (to <= from || random.Next(5) == 0)
            {
                return DemandSummary.None;
            }

            var max = random.Next(0, 400);
            var meanOfMax = max * random.NextDouble();
            var mean = meanOfMax * random.NextDouble();
            return new DemandSummary(to - from, max, mean, meanOfMax, random.Next(0, 5000), random.Next(0, 50), random.Next(0, 50));
        }
    }

    private static readonly Gen<ScheduledBound> GenBound =
        from cron in Gen.OneOf("* * * * *", "*/5 * * * *", "0 9 * * *", "30 8-18 * * 1-5", "0 */2 * * * *", "0 0 1 1 *", "not a cron", "* * *")
        from zone in Gen.OneOf("UTC", "Europe/Berlin", "America/New_York", "Nowhere/Else")
        from minutes in Gen.Int[1, 600]
        from floor in Gen.Int[-1, 300]
        from ceiling in Gen.Int[-1, 300]
        select new ScheduledBound
        {
            Cron = cron,
            TimeZone = zone,
            Duration = TimeSpan.FromMinutes(minutes),
            Floor = floor < 0 ? null : floor,
            Ceiling = ceiling < 0 ? null : ceiling,
        };

    /// <summary>The property tests' policies, with every combination of deciders, and schedules.</summary>
    private static readonly Gen<ConcurrencyPolicy> GenPolicy =
        from policy in ConcurrencyDeciderPropertyTests.GenPolicy
        from leadSeconds in Gen.Int[0, 1800]
        from burst in Gen.Bool
        from predictive in Gen.Bool
        from schedules in GenBound.Array[0, 3]
        select policy with
        {
            PredictionLead = TimeSpan.FromSeconds(leadSeconds),
            Burst = burst,
            Predictive = predictive,
            Schedules = schedules,
        };

    private static readonly Gen<ScalingInputs> GenInputs =
        from policy in GenPolicy
        from seed in Gen.Int
        from nowSeconds in Gen.Int[0, 7 * 86_400]
        from current in Gen.Int[0, 400]
        from observedSeconds in Gen.Int[0, 3600]
        from sinceScaleOut in Gen.Int[-1, 3600]
        from burstHold in Gen.Int[-120, 120]
        from holds in Gen.Bool
        from burstLevel in Gen.Int[0, 500]
        from reserved in Gen.Int[-1, 600]
        from unreserved in Gen.Int[0, 1000]
        from floor in Gen.Int[0, 200]
        let now = Epoch + TimeSpan.FromSeconds(nowSeconds)
        let state = new ScalingState(
            now - TimeSpan.FromSeconds(observedSeconds),
            sinceScaleOut < 0 ? null : now - TimeSpan.FromSeconds(sinceScaleOut),
            holds ? now + TimeSpan.FromSeconds(burstHold) : null,
            burstLevel)
        select new ScalingInputs(policy, current, new WindowedDemand(seed, now), state, new CapacityLimits(reserved < 0 ? null : reserved, unreserved, floor), now);

    [Fact]
    public void Lazy_votes_and_reasons_equal_the_eager_ones() =>
        GenInputs.Sample(inputs =>
        {
            var eager = EagerConcurrencyDecider.Decide(inputs);
            var lazy = ConcurrencyDecider.Decide(inputs);
            Assert.Equal(eager.Current, lazy.Current);
            Assert.Equal(eager.Desired, lazy.Desired);
            Assert.Equal(eager.Lower, lazy.Lower);
            Assert.Equal(eager.Upper, lazy.Upper);
            Assert.Equal(eager.NextState, lazy.NextState);
            Assert.Equal(eager.Changes, lazy.Changes);
            Assert.Equal(eager.Reason, lazy.Reason);
            Assert.Equal(eager.Votes.Count, lazy.Votes.Count);
            foreach (var (before, after) in eager.Votes.Zip(lazy.Votes))
            {
                Assert.Equal(before.Decider, after.Decider);
                Assert.Equal(before.Desired, after.Desired);
                Assert.Equal(before.Reason, after.Reason);
                Assert.Equal(before.Inputs.ToArray(), after.Inputs.ToArray());
            }

            // As the scaling event stores them.
            Assert.Equal(JsonSerializer.Serialize(eager.Votes, JsonSerializerOptions.Web), JsonSerializer.Serialize(lazy.Votes, JsonSerializerOptions.Web));
        }, iter: 20_000);

    /// <summary>The comparison above means something only if the random inputs reach every kind of reason.</summary>
    [Fact]
    public void The_random_inputs_reach_every_kind_of_reason()
    {
        string[] kinds =
        [
            "no observations yet", "no scale-in: only", "no scale-in within", "scale-in only to", "bounded to", "capped at reserved",
            "minus its floor", "no observations in the stable window", "mean of per-second peaks", "no observations in the burst window",
            "holding burst level", "until", "scale out now", "is no burst", "no history for this time of day", "trend ×", "schedules active",
            "(floor -,", " and ",
        ];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        GenInputs.Sample(inputs =>
        {
            var decision = ConcurrencyDecider.Decide(inputs);
            var text = string.Join(" | ", decision.Votes.Select(v => v.Reason).Prepend(decision.Reason));
            seen.UnionWith(kinds.Where(k => text.Contains(k, StringComparison.Ordinal)));
        }, iter: 20_000);
        Assert.Equal(kinds.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_reason_read_before_the_votes_is_the_same_and_the_votes_are_written_once() =>
        GenInputs.Sample(inputs =>
        {
            var votesFirst = ConcurrencyDecider.Decide(inputs);
            var votes = votesFirst.Votes;
            var reasonFirst = ConcurrencyDecider.Decide(inputs);
            Assert.Equal(votesFirst.Reason, reasonFirst.Reason);
            Assert.Same(votes, votesFirst.Votes);
            Assert.Equal(votes.Select(v => v.Reason), reasonFirst.Votes.Select(v => v.Reason));
        }, iter: 2_000);

    [Fact]
    public void A_decision_made_whole_keeps_what_it_was_given()
    {
        var state = new ScalingState(Epoch);
        IReadOnlyList<DeciderVote> votes = [new DeciderVote("by-hand", 3, "set by hand", new Dictionary<string, double>())];
        var decision = new ScalingDecision(1, 3, 0, 10, votes, "1 → 3: by hand", state);

        Assert.Same(votes, decision.Votes);
        Assert.Equal("1 → 3: by hand", decision.Reason);
        Assert.True(decision.Changes);
        Assert.Same(state, decision.NextState);
    }
}
