using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace WarmKeeper.Agent.Tests;

/// <summary>What the shared CRUD mapping does per resource: side effects of changes, conflicts, If-Match.</summary>
public sealed class RevisionedResourceApiTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Warmup(bool enabled, string schedule = "0 0 1 1 *") =>
        $$"""{"id":"w","target":"local","function":"hello","schedule":"{{schedule}}","fanOut":1,"enabled":{{(enabled ? "true" : "false")}}}""";

    private static async Task<HttpResponseMessage> SendAsync(AgentHost agent, HttpMethod method, string uri, string? body = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(uri, UriKind.Relative)) { Content = body is null ? null : Json(body) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await agent.Client.SendAsync(request);
    }

    private static Dictionary<string, Hangfire.Storage.RecurringJobDto> RecurringJobs(AgentHost agent)
    {
        using var connection = agent.Services.GetRequiredService<JobStorage>().GetConnection();
        return Hangfire.Storage.StorageConnectionExtensions.GetRecurringJobs(connection).ToDictionary(j => j.Id);
    }

    private static async Task<string[]> RunTriggersAsync(AgentHost agent, int atLeast)
    {
        string[] triggers = [];
        for (var i = 0; i < 100 && triggers.Length < atLeast; i++)
        {
            var runs = await agent.Client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/events?kind=warmup.run", UriKind.Relative));
            triggers = runs.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("data").GetProperty("trigger").GetString()!).ToArray();
            if (triggers.Length < atLeast)
            {
                await Task.Delay(100);
            }
        }

        return triggers;
    }

    [Fact]
    public async Task Warmup_policy_changes_keep_the_schedule_in_step_and_enabling_warms_at_once()
    {
        await using var agent = await AgentHost.StartAsync();

        Assert.Equal(HttpStatusCode.Created, (await SendAsync(agent, HttpMethod.Post, "/api/v1/warmup-policies", Warmup(enabled: false))).StatusCode);
        Assert.DoesNotContain("warmup:w", RecurringJobs(agent).Keys);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(agent, HttpMethod.Put, "/api/v1/warmup-policies/w", Warmup(enabled: true), "\"1\"")).StatusCode);
        Assert.Equal("0 0 1 1 *", RecurringJobs(agent)["warmup:w"].Cron);
        Assert.Equal(["enabled"], await RunTriggersAsync(agent, atLeast: 1));

        // Already enabled: a new schedule, and no second run at once.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(agent, HttpMethod.Put, "/api/v1/warmup-policies/w", Warmup(enabled: true, "0 0 2 1 *"))).StatusCode);
        Assert.Equal("0 0 2 1 *", RecurringJobs(agent)["warmup:w"].Cron);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(agent, HttpMethod.Put, "/api/v1/warmup-policies/w", Warmup(enabled: false))).StatusCode);
        Assert.DoesNotContain("warmup:w", RecurringJobs(agent).Keys);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(agent, HttpMethod.Put, "/api/v1/warmup-policies/w", Warmup(enabled: true))).StatusCode);
        Assert.Contains("warmup:w", RecurringJobs(agent).Keys);
        Assert.Equal(["enabled", "enabled"], await RunTriggersAsync(agent, atLeast: 2));

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(agent, HttpMethod.Delete, "/api/v1/warmup-policies/w", ifMatch: "\"5\"")).StatusCode);
        Assert.DoesNotContain("warmup:w", RecurringJobs(agent).Keys);
    }

    [Fact]
    public async Task A_concurrency_policy_is_one_per_function_and_qualifier_on_create_and_on_update()
    {
        await using var agent = await AgentHost.StartAsync();
        const string live = """{"id":"a","target":"local","function":"orders","qualifier":"live","dryRun":true}""";
        const string one = """{"id":"b","target":"local","function":"orders","qualifier":"1","dryRun":true}""";
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(agent, HttpMethod.Post, "/api/v1/concurrency-policies", live)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(agent, HttpMethod.Post, "/api/v1/concurrency-policies", one)).StatusCode);

        var sameFunction = await SendAsync(agent, HttpMethod.Post, "/api/v1/concurrency-policies", live.Replace("\"a\"", "\"c\"", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Conflict, sameFunction.StatusCode);
        Assert.Contains("orders:live on local", (await sameFunction.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var clash = await SendAsync(agent, HttpMethod.Put, "/api/v1/concurrency-policies/b", live.Replace("\"a\"", "\"b\"", StringComparison.Ordinal), "\"1\"");
        Assert.Equal(HttpStatusCode.Conflict, clash.StatusCode);
        Assert.Equal("Another concurrency policy covers orders:live on local.", (await clash.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        var current = await agent.Client.GetAsync(new Uri("/api/v1/concurrency-policies/b", UriKind.Relative));
        Assert.Equal("\"1\"", current.Headers.ETag?.Tag);
        Assert.Equal("1", (await current.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("qualifier").GetString());
    }

    [Theory]
    [InlineData("warmup-policies", """{"id":"x","target":"local","function":"hello","schedule":"0 0 1 1 *","enabled":false}""")]
    [InlineData("concurrency-policies", """{"id":"x","target":"local","function":"orders","qualifier":"live","dryRun":true}""")]
    [InlineData("rate-limits", """{"id":"x","functions":["hello"],"permitsPerSecond":5}""")]
    public async Task If_match_must_be_one_of_our_etags_and_a_put_may_not_rename(string resource, string body)
    {
        await using var agent = await AgentHost.StartAsync();
        var created = await SendAsync(agent, HttpMethod.Post, $"/api/v1/{resource}", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/v1/{resource}/x", created.Headers.Location?.ToString());

        var badTag = await SendAsync(agent, HttpMethod.Put, $"/api/v1/{resource}/x", body.Replace("\"x\"", "\"y\"", StringComparison.Ordinal), "v1");
        var errors = (await badTag.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(HttpStatusCode.BadRequest, badTag.StatusCode);
        Assert.Equal(["If-Match", "id"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        var badDelete = await SendAsync(agent, HttpMethod.Delete, $"/api/v1/{resource}/x", ifMatch: "1");
        Assert.Equal(HttpStatusCode.BadRequest, badDelete.StatusCode);
        var stale = await SendAsync(agent, HttpMethod.Delete, $"/api/v1/{resource}/x", ifMatch: "\"2\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Contains("current ETag \"1\"", (await stale.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(agent, HttpMethod.Delete, $"/api/v1/{resource}/x", ifMatch: "W/\"1\"")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(agent, HttpMethod.Delete, $"/api/v1/{resource}/x")).StatusCode);
    }
}
