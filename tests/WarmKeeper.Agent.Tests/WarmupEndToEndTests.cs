using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Agent.Warmup;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Lambda;
using WarmKeeper.LocalRuntime.Hosting;
using WarmKeeper.Testing;

namespace WarmKeeper.Agent.Tests;

/// <summary>Warm-up policies against the built-in runtime over real HTTP, through the agent's REST API.</summary>
public sealed class WarmupEndToEndTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> RunAsync(AgentHost agent, string id)
    {
        var response = await agent.Client.PostAsync(new Uri($"/api/v1/warmup-policies/{id}/run", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var run = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("warmup.run", run.GetProperty("kind").GetString());
        return run.GetProperty("data");
    }

    /// <summary>The manual-run answer and, beside it, the newest event of the kind as <c>GET /api/v1/events</c> shows it.</summary>
    private static async Task<(JsonElement Answer, JsonElement Recorded)> RunWithEventAsync(AgentHost agent, string id, string kind)
    {
        var response = await agent.Client.PostAsync(new Uri($"/api/v1/warmup-policies/{id}/run", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        var events = await agent.Client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/events?kind={kind}", UriKind.Relative));
        return (answer, events.GetProperty("events")[0]);
    }

    private static async Task CreateAsync(AgentHost agent, string json)
    {
        var response = await agent.Client.PostAsync(new Uri("/api/v1/warmup-policies", UriKind.Relative), Json(json));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_fan_out_of_five_leaves_five_distinct_warm_environments_and_says_so()
    {
        await using var agent = await AgentHost.StartAsync();
        await CreateAsync(agent, """{"id":"hello-5","target":"local","function":"hello","schedule":"0 0 1 1 *","fanOut":5,"holdMs":300,"enabled":false}""");

        var first = await RunAsync(agent, "hello-5");
        Assert.Equal(5, first.GetProperty("requested").GetInt32());
        Assert.Equal(5, first.GetProperty("sent").GetInt32());
        Assert.Equal(5, first.GetProperty("distinctEnvironments").GetInt32());
        Assert.Equal(5, first.GetProperty("cold").GetInt32());
        Assert.True(first.GetProperty("reached").GetBoolean());

        // A second run finds the same five warm: nothing cold, nothing new.
        var second = await RunAsync(agent, "hello-5");
        Assert.Equal(0, second.GetProperty("cold").GetInt32());
        Assert.Equal(5, second.GetProperty("warm").GetInt32());

        var detail = await agent.Client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/functions/local/hello", UriKind.Relative));
        Assert.Equal(5, detail.GetProperty("environments").GetArrayLength());
        Assert.Equal("hello-5", detail.GetProperty("lastWarmup").GetProperty("policyId").GetString());
        Assert.Equal(5, detail.GetProperty("lastWarmup").GetProperty("data").GetProperty("warm").GetInt32());
    }

    [Fact]
    public async Task Pings_that_share_environments_are_topped_up_or_reported_short_truthfully()
    {
        await using var agent = await AgentHost.StartAsync();
        // hold 0: each ping frees its environment at once, so later pings may reuse earlier ones.
        await CreateAsync(agent, """{"id":"share","target":"local","function":"hello","schedule":"0 0 1 1 *","fanOut":4,"holdMs":0,"topUpBudget":8,"enabled":false}""");
        await CreateAsync(agent, """{"id":"one","target":"local","function":"hello","schedule":"0 0 1 1 *","fanOut":1,"enabled":false}""");
        await RunAsync(agent, "one");

        var run = await RunAsync(agent, "share");

        var engine = agent.Services.GetRequiredService<LocalRuntimeHost>().Engine;
        var environments = engine.GetFunctionSnapshot("hello").Environments.Count;
        var distinct = run.GetProperty("distinctEnvironments").GetInt32();
        Assert.Equal(environments, distinct);
        Assert.Equal(distinct >= 4, run.GetProperty("reached").GetBoolean());
        Assert.InRange(run.GetProperty("sent").GetInt32(), 4, 12);
        Assert.Equal(run.GetProperty("sent").GetInt32() - 4, run.GetProperty("topUpPings").GetInt32());
    }

    [Fact]
    public async Task Fan_out_is_capped_by_reserved_concurrency_and_in_flight_traffic()
    {
        await using var agent = await AgentHost.StartAsync();
        var targets = agent.Services.GetRequiredService<ILambdaTargets>();
        Assert.True(targets.TryGet("local", out var lambda));
        await lambda.PutFunctionConcurrencyAsync("report", 4, CancellationToken.None);

        // One real invocation in flight (report works ~2 s).
        var traffic = lambda.InvokeAsync(new InvokeRequest { FunctionName = "report", Payload = "{}"u8.ToArray() }, CancellationToken.None);
        var engine = agent.Services.GetRequiredService<LocalRuntimeHost>().Engine;
        while (engine.GetInFlight("report") == 0)
        {
            await Task.Delay(10);
        }

        await CreateAsync(agent, """{"id":"report-5","target":"local","function":"report","schedule":"0 0 1 1 *","fanOut":5,"holdMs":100,"enabled":false}""");
        var run = await RunAsync(agent, "report-5");

        // 4 reserved - 1 in flight - a margin of 1 = 2.
        Assert.True(run.GetProperty("capped").GetBoolean());
        Assert.Equal(2, run.GetProperty("sent").GetInt32());
        Assert.Contains("reserved concurrency 4", run.GetProperty("capReason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, run.GetProperty("throttled").GetInt32());
        Assert.Equal(200, (await traffic).StatusCode);
    }

    [Fact]
    public async Task The_manual_run_answers_with_the_event_it_recorded_field_for_field()
    {
        await using var agent = await AgentHost.StartAsync();
        // hello echoes the custom payload, so the function names no environment (the runtime's header does): the nulls must be written, not left out.
        await CreateAsync(agent, """{"id":"hello-custom","target":"local","function":"hello","schedule":"0 0 1 1 *","fanOut":1,"payloadFormat":"custom","customPayload":{"ping":1},"enabled":false}""");

        var (answer, recorded) = await RunWithEventAsync(agent, "hello-custom", "warmup.run");

        Assert.Equal(["eventId", "kind", "summary", "data"], answer.EnumerateObject().Select(p => p.Name));
        Assert.Equal(recorded.GetProperty("id").GetInt64(), answer.GetProperty("eventId").GetInt64());
        Assert.Equal(recorded.GetProperty("summary").GetString(), answer.GetProperty("summary").GetString());
        Assert.Equal(recorded.GetProperty("data").GetRawText(), answer.GetProperty("data").GetRawText());
        Assert.Equal(
            ["trigger", "correlationId", "requested", "sent", "cold", "warm", "distinctEnvironments", "environmentsCountedBy", "environmentsNote", "errors", "throttled", "topUpPings",
             "reached", "capped", "capReason", "reservedConcurrency", "unreservedConcurrency", "inFlight", "elapsedMs", "errorSamples"],
            answer.GetProperty("data").EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, answer.GetProperty("data").GetProperty("distinctEnvironments").GetInt32());
        Assert.Equal("runtime-header", answer.GetProperty("data").GetProperty("environmentsCountedBy").GetString());
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("data").GetProperty("environmentsNote").ValueKind);
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("data").GetProperty("capReason").ValueKind);
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("data").GetProperty("reservedConcurrency").ValueKind);
    }

    [Fact]
    public async Task A_run_that_cannot_be_made_answers_with_the_failure_it_recorded()
    {
        await using var agent = await AgentHost.StartAsync();
        // The API refuses an unknown target, so the policy goes to the store as one left behind by a configuration change would be.
        var store = agent.Services.GetRequiredService<WarmupPolicyStore>();
        await store.CreateAsync(
            new WarmupPolicy { Id = "orphan", Target = "nowhere", Function = "hello", Schedule = "0 0 1 1 *", Enabled = false }, CancellationToken.None);

        var (answer, recorded) = await RunWithEventAsync(agent, "orphan", "warmup.run.failed");

        Assert.Equal(["eventId", "kind", "summary", "data"], answer.EnumerateObject().Select(p => p.Name));
        Assert.Equal("warmup.run.failed", answer.GetProperty("kind").GetString());
        Assert.Equal(recorded.GetProperty("id").GetInt64(), answer.GetProperty("eventId").GetInt64());
        Assert.Equal("Warm-up of hello failed: The target 'nowhere' is not configured.", answer.GetProperty("summary").GetString());
        Assert.Equal("""{"trigger":"manual","error":"The target 'nowhere' is not configured."}""", answer.GetProperty("data").GetRawText());
        Assert.Equal(recorded.GetProperty("data").GetRawText(), answer.GetProperty("data").GetRawText());
    }

    [Fact]
    public async Task A_restart_on_the_same_database_rebuilds_every_schedule()
    {
        var data = Directory.CreateTempSubdirectory("warmkeeper-schedules-").FullName;
        await using (var first = await AgentHost.StartAsync(data))
        {
            await CreateAsync(first, """{"id":"a","target":"local","function":"hello","schedule":"*/5 * * * *","fanOut":1,"enabled":true}""");
            await CreateAsync(first, """{"id":"b","target":"local","function":"orders","qualifier":"live","schedule":"0 */10 * * * *","timeZone":"Europe/Berlin","fanOut":2,"enabled":true}""");
            await CreateAsync(first, """{"id":"c","target":"local","function":"hello","schedule":"*/5 * * * *","fanOut":1,"enabled":false}""");
        }

        await using var second = await AgentHost.StartAsync(data);
        using var connection = second.Services.GetRequiredService<JobStorage>().GetConnection();
        var jobs = connection.GetRecurringJobs().ToDictionary(j => j.Id);
        Assert.Equal(["warmup:a", "warmup:b"], jobs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("0 */10 * * * *", jobs["warmup:b"].Cron);
        Assert.Equal("Europe/Berlin", jobs["warmup:b"].TimeZoneId);
    }

    private static readonly TimeSpan SchedulerResolution = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Downtime_across_several_occurrences_causes_no_burst_of_runs()
    {
        var data = Directory.CreateTempSubdirectory("warmkeeper-downtime-").FullName;
        await using (var first = await AgentHost.StartAsync(data))
        {
            // Every 2 seconds.
            await CreateAsync(first, """{"id":"tick","target":"local","function":"hello","schedule":"*/2 * * * * *","fanOut":1,"enabled":true}""");
        }

        // Down for ~4 occurrences.
        await Task.Delay(TimeSpan.FromSeconds(8));
        var restartedAt = DateTimeOffset.UtcNow;
        await using var second = await AgentHost.StartAsync(data);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var checkedAt = DateTimeOffset.UtcNow;

        var events = await second.Client.GetFromJsonAsync<JsonElement>(
            new Uri($"/api/v1/events?kind=warmup.run&since={Uri.EscapeDataString(restartedAt.ToString("O"))}", UriKind.Relative));
        // A run is recorded when it ends: one that ended after the check belongs to a later occurrence.
        var runs = events.GetProperty("events").EnumerateArray().Where(e => e.GetProperty("time").GetDateTimeOffset() <= checkedAt).ToList();
        var scheduled = runs.Count(e => e.GetProperty("data").GetProperty("trigger").GetString() == "schedule");
        // At most the occurrences between the restart and the check, however long the start took on a
        // loaded machine, and none of the missed ones: a catch-up run would be one too many. Hangfire
        // schedules by the second, so an occurrence in the second before the start is still due (one
        // 10 ms before it ran).
        var due = Cronos.CronExpression.Parse("*/2 * * * * *", Cronos.CronFormat.IncludeSeconds)
            .GetOccurrences(restartedAt.UtcDateTime - SchedulerResolution, checkedAt.UtcDateTime, fromInclusive: true, toInclusive: true).Count();
        Assert.True(scheduled <= due,
            $"{scheduled} scheduled runs for {due} occurrences between {restartedAt:O} and {checkedAt:O}:\n{string.Join("\n", runs.Select(e => e.ToString()))}");
    }

    [Fact]
    public async Task Creating_an_enabled_policy_warms_at_once()
    {
        await using var agent = await AgentHost.StartAsync();
        await CreateAsync(agent, """{"id":"prewarm","target":"local","function":"hello","schedule":"0 0 1 1 *","fanOut":2,"enabled":true}""");

        JsonElement runs = default;
        for (var i = 0; i < 100; i++)
        {
            runs = await agent.Client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/events?kind=warmup.run", UriKind.Relative));
            if (runs.GetProperty("events").GetArrayLength() > 0)
            {
                break;
            }

            await Task.Delay(100);
        }

        var run = Assert.Single(runs.GetProperty("events").EnumerateArray());
        Assert.Equal("created", run.GetProperty("data").GetProperty("trigger").GetString());
        Assert.Equal(2, run.GetProperty("data").GetProperty("distinctEnvironments").GetInt32());
    }

    [Theory]
    [InlineData(WarmupPayloadFormat.WarmKeeper, "warmkeeper")]
    [InlineData(WarmupPayloadFormat.ServerlessPluginWarmup, "serverless-plugin-warmup")]
    [InlineData(WarmupPayloadFormat.LambdaWarmer, "lambda-warmer")]
    public async Task The_marker_formats_of_the_common_warmers_reach_the_function_as_they_send_them(WarmupPayloadFormat format, string expected)
    {
        await using var agent = await AgentHost.StartAsync(null, TestFunction.AgentArguments("probe"));
        Assert.True(agent.Services.GetRequiredService<ILambdaTargets>().TryGet("local", out var lambda));
        var policy = new WarmupPolicy { Id = "p", Target = "local", Function = "probe", Schedule = "* * * * *", FanOut = 3, PayloadFormat = format };
        var payload = WarmupPings.Build(policy, "corr-1", 1, 3);

        var result = await lambda.InvokeAsync(new InvokeRequest { FunctionName = "probe", Payload = payload }, CancellationToken.None);

        var answer = JsonDocument.Parse(result.Payload).RootElement;
        Assert.True(answer.GetProperty("warmup").GetBoolean());
        Assert.Equal(expected, answer.GetProperty("format").GetString());
        Assert.Equal(JsonDocument.Parse(payload).RootElement.GetRawText(), answer.GetProperty("received").GetRawText());
    }
}
