using System.Net;
using static WarmKeeper.Agent.Tests.Api.ApiAssert;

namespace WarmKeeper.Agent.Tests.Api;

public sealed class ApiErrorsTests
{
    [Fact]
    public async Task A_body_over_the_size_limit_is_a_413_problem_naming_the_body_not_a_500()
    {
        // Kestrel's default limit, 30 MB, is what the agent runs with.
        await using var agent = await AgentHost.StartAsync();
        var body = "{\"policies\":[\"none\"],\"trace\":{\"functionsCsv\":\"" + new string('x', 31 * 1024 * 1024) + "\"}}";
        await ProblemAsync(await SendAsync(agent, HttpMethod.Post, "/api/v1/simulations", body, expectContinue: true), HttpStatusCode.RequestEntityTooLarge, "body");
        await ProblemAsync(await SendAsync(agent, HttpMethod.Post, "/api/v1/warmup-policies", body, expectContinue: true), HttpStatusCode.RequestEntityTooLarge, "body");
        Assert.Equal(0, await CountAsync(agent, "/api/v1/warmup-policies"));
    }

    [Fact]
    public async Task Schedules_holding_null_are_a_400_naming_the_element()
    {
        await using var agent = await AgentHost.StartAsync();
        var body = """{"id":"c","target":"local","function":"hello","qualifier":"live","schedules":[null]}""";
        await ProblemAsync(await SendAsync(agent, HttpMethod.Post, "/api/v1/concurrency-policies", body), HttpStatusCode.BadRequest, "schedules[0]");
        await ProblemAsync(await SendAsync(agent, HttpMethod.Post, "/api/v1/concurrency-policies", body.Replace("[null]", """[{"cron":null,"floor":1}]""", StringComparison.Ordinal)), HttpStatusCode.BadRequest, "schedules[0].cron");
        Assert.Equal(0, await CountAsync(agent, "/api/v1/concurrency-policies"));
    }
}
