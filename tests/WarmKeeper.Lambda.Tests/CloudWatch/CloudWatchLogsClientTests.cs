using WarmKeeper.Lambda.CloudWatch;
using WarmKeeper.Testing;

namespace WarmKeeper.Lambda.Tests.CloudWatch;

/// <summary>FilterLogEvents over the wire protocol against a loopback endpoint that verifies the signature and speaks JSON 1.1.</summary>
public sealed class CloudWatchLogsClientTests
{
    private static LambdaTargetOptions Target(Uri endpoint, int maxRetries = 3) => new()
    {
        Name = "aws",
        Region = FakeCloudWatchLogs.Region,
        AccessKeyId = FakeCloudWatchLogs.AccessKeyId,
        SecretAccessKey = FakeCloudWatchLogs.SecretAccessKey,
        MaxRetries = maxRetries,
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        MaxRetryDelay = TimeSpan.FromMilliseconds(5),
        CloudWatchLogs = new CloudWatchLogsOptions { Enabled = true, ServiceUrl = endpoint.ToString() },
    };

    [Fact]
    public async Task Pages_are_followed_and_a_throttle_is_retried()
    {
        await using var logs = await FakeCloudWatchLogs.StartAsync(pageSize: 2, throttleCalls: 2);
        var t0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        for (var i = 0; i < 5; i++)
        {
            logs.Write("/aws/lambda/f", $"stream-{i}", t0.AddSeconds(i), $"START RequestId: r{i} Version: $LATEST");
        }

        logs.Write("/aws/lambda/other", "x", t0, "START RequestId: r9 Version: $LATEST");
        using var client = new CloudWatchLogsClient(Target(logs.Endpoint));

        var read = await client.FilterLogEventsAsync(new LogEventsQuery("/aws/lambda/f", t0, FilterPattern: "\"START RequestId\""), maxCalls: 10, null, CancellationToken.None);

        Assert.Equal(["stream-0", "stream-1", "stream-2", "stream-3", "stream-4"], read.Events.Select(e => e.LogStreamName));
        Assert.Equal(3, read.Calls);
        Assert.Null(read.NextToken);
        Assert.Equal(4, logs.Calls);                               // three pages and the throttled attempt of the second
        Assert.Equal(t0.AddSeconds(4), read.Events[^1].Timestamp);
        Assert.Equal(t0.ToUnixTimeMilliseconds(), (long)logs.Requests[0]["startTime"]!);
    }

    [Fact]
    public async Task A_budget_of_calls_stops_the_read_and_hands_back_where_to_resume()
    {
        await using var logs = await FakeCloudWatchLogs.StartAsync(pageSize: 2);
        var t0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        for (var i = 0; i < 5; i++)
        {
            logs.Write("/aws/lambda/f", $"s{i}", t0, $"REPORT RequestId: r{i}");
        }

        using var client = new CloudWatchLogsClient(Target(logs.Endpoint));
        var first = await client.FilterLogEventsAsync(new LogEventsQuery("/aws/lambda/f"), maxCalls: 2, null, CancellationToken.None);
        Assert.Equal(4, first.Events.Count);
        Assert.NotNull(first.NextToken);

        var rest = await client.FilterLogEventsAsync(new LogEventsQuery("/aws/lambda/f"), maxCalls: 2, first.NextToken, CancellationToken.None);
        Assert.Equal(["s4"], rest.Events.Select(e => e.LogStreamName));
        Assert.Equal(1, rest.Calls);
    }

    [Fact]
    public async Task Throttles_beyond_the_retry_budget_surface_as_the_services_error()
    {
        await using var logs = await FakeCloudWatchLogs.StartAsync(pageSize: 2, throttleCalls: [1, 2, 3]);
        using var client = new CloudWatchLogsClient(Target(logs.Endpoint, maxRetries: 1));

        var error = await Assert.ThrowsAsync<LambdaServiceException>(() => client.FilterLogEventsAsync(new LogEventsQuery("/aws/lambda/f"), null, CancellationToken.None));

        Assert.Equal("ThrottlingException", error.ErrorType);
        Assert.True(error.IsTransient);
        Assert.Equal(2, logs.Calls);
    }

    [Fact]
    public async Task Wrong_credentials_are_refused_by_the_signature_check()
    {
        await using var logs = await FakeCloudWatchLogs.StartAsync();
        var target = Target(logs.Endpoint);
        target.SecretAccessKey = "wrong";
        using var client = new CloudWatchLogsClient(target);

        var error = await Assert.ThrowsAsync<LambdaServiceException>(() => client.FilterLogEventsAsync(new LogEventsQuery("/aws/lambda/f"), null, CancellationToken.None));

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, error.StatusCode);
        Assert.Empty(logs.Requests);
    }
}
