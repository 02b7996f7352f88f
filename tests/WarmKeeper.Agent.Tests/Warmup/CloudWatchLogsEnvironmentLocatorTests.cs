using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Agent.Warmup;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Lambda;
using WarmKeeper.Lambda.CloudWatch;
using WarmKeeper.Testing;

namespace WarmKeeper.Agent.Tests.Warmup;

/// <summary>
/// A run of a foreign format on AWS: the answers name no environment, so the count comes from the log
/// streams that hold the pings' request ids, read from a fake of the Logs wire protocol.
/// </summary>
public sealed class CloudWatchLogsEnvironmentLocatorTests
{
    private static readonly WarmupPolicy Policy = new()
    {
        Id = "p", Target = "aws", Function = "arn:aws:lambda:us-east-1:123456789012:function:orders:live", Schedule = "* * * * *",
        FanOut = 4, PayloadFormat = WarmupPayloadFormat.LambdaWarmer, TopUpBudget = 0,
    };

    private static CloudWatchLogsOptions Options(FakeCloudWatchLogs logs, int maxCalls = 10) =>
        new() { Enabled = true, ServiceUrl = logs.Endpoint.ToString(), MaxCallsPerRun = maxCalls, PollInterval = TimeSpan.Zero };

    private static CloudWatchLogsClient Client(CloudWatchLogsOptions options) => new(new LambdaTargetOptions
    {
        Name = "aws", Region = FakeCloudWatchLogs.Region, AccessKeyId = FakeCloudWatchLogs.AccessKeyId, SecretAccessKey = FakeCloudWatchLogs.SecretAccessKey,
        RetryBaseDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(5), CloudWatchLogs = options,
    });

    [Fact]
    public async Task The_count_comes_from_the_log_streams_of_the_pings_request_ids()
    {
        // Four pings landed on three environments (streams); each environment wrote START/END/REPORT
        // lines, and other requests' lines sit beside them. Pages of 2 and a throttle on the way.
        await using var logs = await FakeCloudWatchLogs.StartAsync(pageSize: 2, throttleCalls: 2);
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        string[] streams = ["2026/01/01/[$LATEST]aaa", "2026/01/01/[$LATEST]bbb", "2026/01/01/[$LATEST]ccc", "2026/01/01/[$LATEST]bbb"];
        for (var i = 0; i < 4; i++)
        {
            foreach (var line in new[] { "START RequestId: {0} Version: 3", "END RequestId: {0}", "REPORT RequestId: {0}\tDuration: 80.1 ms" })
            {
                logs.Write("/aws/lambda/orders", streams[i], clock.GetUtcNow(), string.Format(System.Globalization.CultureInfo.InvariantCulture, line, $"req-{i}"));
            }
        }

        logs.Write("/aws/lambda/orders", "2026/01/01/[$LATEST]ddd", clock.GetUtcNow(), "START RequestId: someone-else Version: 3");
        var options = Options(logs);
        using var client = Client(options);

        var report = await new WarmupRun(new AnswersWithoutEnvironment(), clock, new CloudWatchLogsEnvironmentLocator(client, options, clock))
            .ExecuteAsync(Policy, new Headroom(null, 1000, 0), CancellationToken.None);

        Assert.Equal(3, report.DistinctEnvironments);
        Assert.Equal(EnvironmentCountMethods.CloudWatchLogs, report.EnvironmentsCountedBy);
        Assert.Null(report.EnvironmentsNote);
        Assert.False(report.Reached);
        Assert.All(logs.Requests, r => Assert.Equal("/aws/lambda/orders", (string?)r["logGroupName"]));
        Assert.Contains("?\"RequestId: req-0\"", (string?)logs.Requests[0]["filterPattern"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lines_that_never_arrive_cost_no_more_than_the_runs_budget_and_are_reported()
    {
        await using var logs = await FakeCloudWatchLogs.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        logs.Write("/aws/lambda/orders", "only", clock.GetUtcNow(), "START RequestId: req-0 Version: 3");
        var options = Options(logs, maxCalls: 3);
        using var client = Client(options);

        var report = await new WarmupRun(new AnswersWithoutEnvironment(), clock, new CloudWatchLogsEnvironmentLocator(client, options, clock))
            .ExecuteAsync(Policy, new Headroom(null, 1000, 0), CancellationToken.None);

        Assert.Equal(3, logs.Calls);
        Assert.Equal(1, report.DistinctEnvironments);
        Assert.Contains("3 of 4 ping(s) not found in /aws/lambda/orders within 3 FilterLogEvents call(s)", report.EnvironmentsNote, StringComparison.Ordinal);
    }

    [Fact]
    public void Filter_patterns_stay_within_the_services_limit()
    {
        var ids = Enumerable.Range(0, 100).Select(i => Guid.NewGuid().ToString()).ToList();
        var patterns = CloudWatchLogsEnvironmentLocator.FilterPatterns(ids).ToList();

        Assert.True(patterns.Count > 1);
        Assert.All(patterns, p => Assert.InRange(p.Length, 1, CloudWatchLogsClient.MaxFilterPatternLength));
        Assert.Equal(ids, patterns.SelectMany(p => System.Text.RegularExpressions.Regex.Matches(p, "\\?\"RequestId: ([^\"]+)\"")).Select(m => m.Groups[1].Value));
    }

    /// <summary>An AWS target's answers to foreign-format pings: a request id, no environment.</summary>
    private sealed class AnswersWithoutEnvironment : IWarmupPinger
    {
        public Task<PingOutcome> PingAsync(PingRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new PingOutcome(request.Index, true, true, null, TimeSpan.Zero, null, RequestId: $"req-{request.Index}"));
    }
}
