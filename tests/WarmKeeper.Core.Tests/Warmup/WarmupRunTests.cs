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

    [Fact]
    public async Task Environments_unnamed_by_the_answers_are_located_and_the_report_says_how()
    {
        // The answers name no environment (a foreign format); the locator places all but one ping,
        // the first round on 4 environments, so a top-up round is sent and placed too.
        var pinger = new AnonymousPinger();
        var locator = new StreamLocator(environmentOf: n => n == 2 ? null : $"stream-{Math.Min(n, 4)}");
        var report = await new WarmupRun(pinger, new FakeTimeProvider(), locator).ExecuteAsync(Policy with { TopUpBudget = 5 }, Plenty, CancellationToken.None);

        Assert.Equal(EnvironmentCountMethods.CloudWatchLogs, report.EnvironmentsCountedBy);
        Assert.Equal(4, report.DistinctEnvironments);
        Assert.Equal(10, report.Sent);
        Assert.Equal(2, locator.Calls);
        Assert.Contains("1 succeeded ping(s) not placed", report.EnvironmentsNote, StringComparison.Ordinal);
        Assert.Contains("cloudwatch-logs: 1 not found", report.EnvironmentsNote, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_any_way_to_place_pings_the_report_says_why_not()
    {
        var report = await new WarmupRun(new AnonymousPinger(), new FakeTimeProvider(), noLocatorReason: "CloudWatch Logs is off for target 'aws'")
            .ExecuteAsync(Policy, Plenty, CancellationToken.None);

        Assert.Null(report.DistinctEnvironments);
        Assert.Null(report.EnvironmentsCountedBy);
        Assert.Equal("environments not counted: CloudWatch Logs is off for target 'aws'", report.EnvironmentsNote);
        Assert.Equal(0, report.TopUpPings);
    }

    [Fact]
    public async Task A_failing_locator_fails_no_ping()
    {
        var report = await new WarmupRun(new AnonymousPinger(), new FakeTimeProvider(), new StreamLocator(_ => throw new InvalidOperationException("AccessDeniedException")))
            .ExecuteAsync(Policy, Plenty, CancellationToken.None);

        Assert.Equal(0, report.Errors);
        Assert.Null(report.DistinctEnvironments);
        Assert.Contains("AccessDeniedException", report.EnvironmentsNote, StringComparison.Ordinal);
    }

    /// <summary>Answers every ping with a request id and no environment, as a function of a foreign format does.</summary>
    private sealed class AnonymousPinger : IWarmupPinger
    {
        public Task<PingOutcome> PingAsync(PingRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new PingOutcome(request.Index, true, true, null, TimeSpan.Zero, null, RequestId: $"req-{request.Index}"));
    }

    /// <summary>Places request <c>req-n</c> in <c>environmentOf(n)</c>.</summary>
    private sealed class StreamLocator(Func<int, string?> environmentOf) : IWarmupEnvironmentLocator
    {
        public int Calls { get; private set; }

        public string Method => EnvironmentCountMethods.CloudWatchLogs;

        public Task<LocatedEnvironments> LocateAsync(WarmupPolicy policy, IReadOnlyList<string> requestIds, DateTimeOffset since, CancellationToken cancellationToken)
        {
            Calls++;
            var found = new Dictionary<string, string>();
            foreach (var id in requestIds)
            {
                if (environmentOf(int.Parse(id["req-".Length..], System.Globalization.CultureInfo.InvariantCulture)) is { } environment)
                {
                    found[id] = environment;
                }
            }

            var missing = requestIds.Count - found.Count;
            return Task.FromResult(new LocatedEnvironments(found, missing == 0 ? null : $"{missing} not found"));
        }
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
