using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Agent.Scaling;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Observations;
using WarmKeeper.Core.Scaling;

namespace WarmKeeper.Agent.Tests.Scaling;

public sealed class DemandHistoryTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 30, TimeSpan.Zero);

    private static PooledDbContextFactory<WarmKeeperDbContext> Database() => TestDatabase.Create("demand");

    [Fact]
    public async Task Complete_minutes_are_rolled_up_once_and_kept_two_weeks()
    {
        var time = new FakeTimeProvider(Start);
        var recorder = new DemandRecorder(time);
        var contexts = Database();
        var rollup = new DemandRollup(recorder, contexts, time, Options.Create(new ScalingOptions()), NullLogger<DemandRollup>.Instance);
        for (var s = 0; s < 150; s++)
        {
            recorder.OnInvocation(new InvocationObserved
            {
                Source = "local", RequestId = "r", FunctionName = "orders", Qualifier = "live", InvocationType = "RequestResponse",
                Start = InvocationStart.Warm, StartedAt = Start + TimeSpan.FromSeconds(s), RunDuration = TimeSpan.FromMilliseconds(500), InFlightAtStart = 3,
            });
        }

        time.Advance(TimeSpan.FromSeconds(150)); // 09:03:00: minutes 09:01 and 09:02 are complete
        var written = await rollup.RollUpAsync(CancellationToken.None);
        var again = await rollup.RollUpAsync(CancellationToken.None);

        await using var db = await contexts.CreateDbContextAsync();
        var rows = await db.DemandMinutes.Where(r => r.Qualifier == "live").OrderBy(r => r.MinuteUnix).ToListAsync();
        Assert.Equal(4, written); // two minutes, for "live" and for the whole function
        Assert.Equal(0, again);
        Assert.Equal(2, rows.Count);
        Assert.Equal(60, rows[0].Arrivals);
        Assert.Equal(3, rows[0].MaxInFlight);
        Assert.Equal(0.5, rows[0].MeanInFlight, 3);

        // Two weeks later, they are gone.
        time.Advance(TimeSpan.FromDays(15));
        await rollup.RollUpAsync(CancellationToken.None);
        Assert.False(await db.DemandMinutes.AnyAsync(r => r.MinuteUnix < Start.ToUnixTimeSeconds() + 600));
    }

    [Fact]
    public void Predictive_scaling_provisions_ahead_from_the_same_time_yesterday()
    {
        var now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        var yesterday = now - TimeSpan.FromDays(1);
        // Yesterday, the minutes just after this time ran 14 at once.
        var minutes = Enumerable.Range(0, 5).Select(i => new DemandMinuteRow
        {
            Target = "local", Function = "f", Qualifier = "live", MinuteUnix = yesterday.ToUnixTimeSeconds() + (i * 60),
            MaxInFlight = 14, MeanInFlight = 14, MeanOfMaxInFlight = 14, Arrivals = 1000,
        }).ToList();
        var quiet = new DemandRecorder(new FakeTimeProvider(now - TimeSpan.FromHours(2)));
        var history = new CombinedDemandHistory(quiet.For(new DemandKey("local", "f", "live")), now - TimeSpan.FromHours(1), minutes);
        var policy = new ConcurrencyPolicy { Id = "p", Target = "local", Function = "f", Qualifier = "live", Max = 50, Predictive = true, TargetTracking = false, Burst = false };

        var decision = ConcurrencyDecider.Decide(new ScalingInputs(policy, 0, history, new ScalingState(now - TimeSpan.FromHours(2)), new CapacityLimits(null, 900), now));

        Assert.Equal(20, decision.Desired); // ceil(14 / 0.7)
        Assert.Contains(decision.Votes, v => v.Decider == ConcurrencyDecider.Predictive && v.Reason.Contains("yesterday 14", StringComparison.Ordinal));
    }
}
