using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace WarmKeeper.Agent.Tests;

public sealed class WarmupPolicyApiTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Policy(string id, string function = "hello", int fanOut = 2, string schedule = "0 0 1 1 *", bool enabled = false, string extra = "") =>
        $$"""{"id":"{{id}}","target":"local","function":"{{function}}","schedule":"{{schedule}}","fanOut":{{fanOut}},"enabled":{{(enabled ? "true" : "false")}}{{extra}}}""";

    [Fact]
    public async Task Every_invalid_field_is_listed_and_nothing_is_stored()
    {
        await using var agent = await AgentHost.StartAsync();

        var response = await agent.Client.PostAsync(new Uri("/api/v1/warmup-policies", UriKind.Relative), Json("""
            {"id":"Bad Id","target":"mars","function":"hello","schedule":"61 * * * *","fanOut":0,"holdMs":-5,
             "payloadFormat":"custom","customPayload":"{oops","timeZone":"Nowhere/City","colour":"blue"}
            """));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var fields = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["colour", "customPayload", "fanOut", "holdMs", "id", "schedule", "target", "timeZone"], fields);

        var unknown = await agent.Client.PostAsync(new Uri("/api/v1/warmup-policies", UriKind.Relative),
            Json("""{"id":"x","target":"mars","function":"hello","schedule":"* * * * *"}"""));
        var unknownProblem = await unknown.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(unknownProblem.GetProperty("errors").TryGetProperty("target", out _));

        var list = await agent.Client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/warmup-policies", UriKind.Relative));
        Assert.Equal(0, list.GetArrayLength());
    }

    [Fact]
    public async Task Unknown_function_and_qualifier_are_named()
    {
        await using var agent = await AgentHost.StartAsync();

        var noFunction = await agent.Client.PostAsync(new Uri("/api/v1/warmup-policies", UriKind.Relative), Json(Policy("a", function: "nope")));
        var noQualifier = await agent.Client.PostAsync(new Uri("/api/v1/warmup-policies", UriKind.Relative),
            Json(Policy("b", function: "orders", extra: ""","qualifier":"v9" """)));
        var malformed = await agent.Client.PostAsync(new Uri("/api/v1/warmup-policies", UriKind.Relative), Json("{\"id\": "));

        Assert.True((await noFunction.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("function", out _));
        Assert.True((await noQualifier.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("qualifier", out _));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.True((await malformed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("body", out _));
    }

    [Fact]
    public async Task Updates_carry_an_etag_and_a_stale_if_match_gets_412()
    {
        await using var agent = await AgentHost.StartAsync();
        var created = await agent.Client.PostAsync(new Uri("/api/v1/warmup-policies", UriKind.Relative), Json(Policy("etag-test")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var firstTag = created.Headers.ETag!.Tag;

        using var update = new HttpRequestMessage(HttpMethod.Put, "/api/v1/warmup-policies/etag-test") { Content = Json(Policy("etag-test", fanOut: 3)) };
        update.Headers.IfMatch.ParseAdd(firstTag);
        var updated = await agent.Client.SendAsync(update);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.NotEqual(firstTag, updated.Headers.ETag!.Tag);

        using var stale = new HttpRequestMessage(HttpMethod.Put, "/api/v1/warmup-policies/etag-test") { Content = Json(Policy("etag-test", fanOut: 9)) };
        stale.Headers.IfMatch.ParseAdd(firstTag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await agent.Client.SendAsync(stale)).StatusCode);

        var current = await agent.Client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/warmup-policies/etag-test", UriKind.Relative));
        Assert.Equal(3, current.GetProperty("fanOut").GetInt32());

        var duplicate = await agent.Client.PostAsync(new Uri("/api/v1/warmup-policies", UriKind.Relative), Json(Policy("etag-test")));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);

        var changes = await agent.Client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/events?kind=config.change", UriKind.Relative));
        Assert.Equal(2, changes.GetProperty("events").GetArrayLength());
    }

    [Fact]
    public async Task Policies_survive_a_restart_on_the_same_database()
    {
        var data = Directory.CreateTempSubdirectory("warmkeeper-restart-").FullName;
        await using (var first = await AgentHost.StartAsync(data))
        {
            Assert.Equal(HttpStatusCode.Created, (await first.Client.PostAsync(new Uri("/api/v1/warmup-policies", UriKind.Relative), Json(Policy("survivor", fanOut: 4, schedule: "*/5 * * * *", enabled: false)))).StatusCode);
        }

        await using var second = await AgentHost.StartAsync(data);
        var policy = await second.Client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/warmup-policies/survivor", UriKind.Relative));
        Assert.Equal(4, policy.GetProperty("fanOut").GetInt32());
        Assert.Equal("*/5 * * * *", policy.GetProperty("schedule").GetString());
    }

    [Fact]
    public async Task The_openapi_document_describes_every_route()
    {
        await using var agent = await AgentHost.StartAsync();
        var doc = await agent.Client.GetFromJsonAsync<JsonElement>(new Uri("/openapi/v1.json", UriKind.Relative));
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Contains("/api/v1/functions", paths);
        Assert.Contains("/api/v1/functions/{target}/{name}", paths);
        Assert.Contains("/api/v1/warmup-policies", paths);
        Assert.Contains("/api/v1/warmup-policies/{id}", paths);
        Assert.Contains("/api/v1/warmup-policies/{id}/run", paths);
        Assert.Contains("/api/v1/events", paths);
    }

    [Fact]
    public async Task Two_agents_in_one_process_keep_their_own_job_storage_and_one_stopping_does_not_break_the_other()
    {
        await using var first = await AgentHost.StartAsync();
        var second = await AgentHost.StartAsync();
        Assert.NotSame(
            first.Services.GetRequiredService<Hangfire.JobStorage>(),
            second.Services.GetRequiredService<Hangfire.JobStorage>());
        await second.DisposeAsync();

        var created = await first.Client.PostAsync(new Uri("/api/v1/warmup-policies", UriKind.Relative), Json(Policy("after-other-stopped", enabled: true)));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }
}
