using System.Diagnostics;
using System.Net;
using System.Text.Json;
using WarmKeeper.Core.Protection;
using static WarmKeeper.Agent.Tests.Api.ApiAssert;

namespace WarmKeeper.Agent.Tests.Api;

public sealed class RateLimitsApiTests
{
    private const string Route = "/api/v1/rate-limits";

    [Theory]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("exemptFromRate, limited")]
    public async Task Warmup_pings_takes_only_the_documented_strings(string value)
    {
        await using var agent = await AgentHost.StartAsync();
        var body = $$"""{"id":"r","functions":["hello"],"permitsPerSecond":1,"burst":1,"warmupPings":{{JsonSerializer.Serialize(value)}}}""";
        await ProblemAsync(await SendAsync(agent, HttpMethod.Post, Route, body), HttpStatusCode.BadRequest, "warmupPings");
        Assert.Equal(0, await CountAsync(agent, Route));
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(agent, HttpMethod.Post, Route, body.Replace(JsonSerializer.Serialize(value), "\"Limited\"", StringComparison.Ordinal))).StatusCode);
    }

    [Fact]
    public async Task A_list_over_the_maximum_is_refused_at_once_and_unknown_names_are_named_from_one_listing()
    {
        await using var agent = await AgentHost.StartAsync();
        var tooMany = JsonSerializer.Serialize(Enumerable.Range(0, 100_000).Select(i => $"f{i}"));
        var clock = Stopwatch.StartNew();
        var problem = await ProblemAsync(await SendAsync(agent, HttpMethod.Post, Route, $$"""{"id":"r","functions":{{tooMany}},"permitsPerSecond":1,"burst":1}"""), HttpStatusCode.BadRequest, "functions");
        Assert.Contains($"{RateLimitSpecValidator.MaxFunctions}", problem.GetProperty("errors").GetProperty("functions")[0].GetString(), StringComparison.Ordinal);
        Assert.False(problem.GetProperty("errors").TryGetProperty("functions[0]", out _));

        var unknown = JsonSerializer.Serialize(Enumerable.Range(0, RateLimitSpecValidator.MaxFunctions - 1).Select(i => $"f{i}").Prepend("hello"));
        var response = await SendAsync(agent, HttpMethod.Post, Route, $$"""{"id":"r","functions":{{unknown}},"permitsPerSecond":1,"burst":1}""");
        var errors = (await ProblemAsync(response, HttpStatusCode.BadRequest, "functions[1]")).GetProperty("errors");
        Assert.False(errors.TryGetProperty("functions[0]", out _));
        Assert.True(errors.TryGetProperty($"functions[{RateLimitSpecValidator.MaxFunctions - 1}]", out _));
        Assert.Equal(0, await CountAsync(agent, Route));
        // Both refusals together once took one control-plane call per name; now one listing: well inside this.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }
}
