using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Agent.Events;

namespace WarmKeeper.Agent.Tests.Persistence;

public sealed class EventLogTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private static NewEvent Event(int i, DateTimeOffset? time = null) =>
        new(EventKinds.ScalingDecision, "test", $"event {i}", new JsonObject { ["i"] = i }, "local", $"f{i}", "live", $"p{i}", time);

    [Fact]
    public async Task A_batch_is_written_whole_in_order_with_the_times_given_or_the_time_of_writing()
    {
        var time = new FakeTimeProvider(Start);
        var log = new EventLog(TestDatabase.Create("events"), time);
        var happened = Start - TimeSpan.FromSeconds(3);

        await log.AppendRangeAsync([], CancellationToken.None);
        await log.AppendRangeAsync([Event(0, happened), Event(1), Event(2)], CancellationToken.None);

        var newestFirst = await log.QueryAsync(new EventQuery(), CancellationToken.None);
        Assert.Equal(["event 2", "event 1", "event 0"], newestFirst.Select(e => e.Summary));
        Assert.Equal([Start, Start, happened], newestFirst.Select(e => e.Time));
        Assert.Equal(0, newestFirst[2].Data["i"]!.GetValue<int>());
        Assert.Equal("p0", newestFirst[2].PolicyId);
    }
}
