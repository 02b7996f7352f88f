using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Core.Warmup;

namespace WarmKeeper.Core.Tests.Warmup;

public sealed class WarmupRunTests
{
    private static readonly WarmupPolicy Policy = new()
    {
        Id = "p",
        Target = "local",
        Function = "f",
        Schedule = "*/5 * * * *",
        FanOut = 5,
    };

    private static readonly Headroom Plenty = new(null, 900, 0);

    [Fact]
    public async Task Pings_that_land_on_distinct_environments_reach_the_fan_out_without_top_up()
    {
        var pinger = new EnvironmentPool(shareEvery: int.MaxValue);
        var report = await new WarmupRun(pinger, new FakeTimeProvider()).ExecuteAsync(Policy, Plenty, CancellationToken.None);

        Assert.Equal(5, report.Sent);
        Assert.Equal(5, report.DistinctEnvironments);
        Assert.Equal(5, report.Cold);
        Assert.True(report.Reached);
        Assert.Equal(0, report.TopUpPings);
    }

    [Fact]
    public async Task Shared_environments_are_topped_up_within_budget_and_reported_truthfully()
    {
        // Every ping lands on the same environment: top-ups cannot help, and the report says so.
        var pinger = new EnvironmentPool(shareEvery: 1);
        var report = await new WarmupRun(pinger, new FakeTimeProvider()).ExecuteAsync(Policy with { TopUpBudget = 7 }, Plenty, CancellationToken.None);

        Assert.Equal(1, report.DistinctEnvironments);
        Assert.False(report.Reached);
        Assert.InRange(report.TopUpPings, 1, 7);
        Assert.Equal(5 + report.TopUpPings, report.Sent);
    }

    [Fact]
    public async Task Headroom_caps_the_fan_out_and_says_why()
    {
        var pinger = new EnvironmentPool(shareEvery: int.MaxValue);
        var report = await new WarmupRun(pinger, new FakeTimeProvider())
            .ExecuteAsync(Policy, new Headroom(ReservedConcurrency: 4, UnreservedConcurrency: 900, InFlight: 1, Margin: 1), CancellationToken.None);

        Assert.True(report.Capped);
        Assert.Equal(2, report.Sent);
        Assert.Contains("reserved concurrency 4", report.CapReason, StringComparison.Ordinal);
        Assert.True(report.Reached);
    }

    [Fact]
    public async Task Failed_pings_are_counted_and_never_retried()
    {
        var pinger = new EnvironmentPool(shareEvery: int.MaxValue) { FailIndexes = [1, 3] };
        var report = await new WarmupRun(pinger, new FakeTimeProvider()).ExecuteAsync(Policy with { Verify = false }, Plenty, CancellationToken.None);

        Assert.Equal(2, report.Errors);
        Assert.Equal(5, report.Sent);
        Assert.Equal(5, pinger.Calls);
    }

    /// <summary>Hands out environment ids: a new one per ping, or the same one every <c>shareEvery</c> pings.</summary>
    private sealed class EnvironmentPool(int shareEvery) : IWarmupPinger
    {
        private int _calls;

        public int Calls => _calls;

        public HashSet<int> FailIndexes { get; init; } = [];

        public Task<PingOutcome> PingAsync(PingRequest request, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref _calls);
            if (FailIndexes.Contains(request.Index))
            {
                throw new InvalidOperationException("boom");
            }

            var env = shareEvery == 1 ? "env-0" : $"env-{n}";
            return Task.FromResult(new PingOutcome(request.Index, true, Cold: n == 1 || shareEvery != 1, env, TimeSpan.FromMilliseconds(3), null));
        }
    }
}
