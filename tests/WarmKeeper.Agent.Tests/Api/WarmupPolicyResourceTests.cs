using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using static WarmKeeper.Agent.Tests.Api.ApiAssert;

namespace WarmKeeper.Agent.Tests.Api;

/// <summary>Warm-up policies through the API: what is refused at the door changes nothing; clientContext round-trips.</summary>
public sealed class WarmupPolicyResourceTests
{
    private const string Route = "/api/v1/warmup-policies";

    private static string Policy(string id, string extra = "") =>
        $$"""{"id":{{JsonSerializer.Serialize(id)}},"target":"local","function":"hello","schedule":"0 0 1 1 *","enabled":false{{extra}}}""";

    private static string Nested(int depth) => new StringBuilder().Insert(0, "{\"a\":", depth - 1).Append("{}").Append('}', depth - 1).ToString();

    [Theory]
    [InlineData(60)]
    [InlineData(63)]
    [InlineData(33)]
    public async Task A_custom_payload_nested_too_deep_is_refused_naming_it_and_events_still_read(int depth)
    {
        await using var agent = await AgentHost.StartAsync();
        var response = await SendAsync(agent, HttpMethod.Post, Route, Policy("deep", $$""","payloadFormat":"custom","customPayload":{{Nested(depth)}}"""));
        await ProblemAsync(response, HttpStatusCode.BadRequest, "customPayload");
        Assert.Equal(0, await CountAsync(agent, Route));
        Assert.Equal(HttpStatusCode.OK, (await agent.Client.GetAsync(new Uri("/api/v1/events", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_custom_payload_at_the_depth_limit_is_stored_and_every_read_answers()
    {
        await using var agent = await AgentHost.StartAsync();
        var response = await SendAsync(agent, HttpMethod.Post, Route, Policy("deep", $$""","payloadFormat":"custom","customPayload":{{Nested(31)}}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.Client.GetAsync(new Uri($"{Route}/deep", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.Client.GetAsync(new Uri("/api/v1/events", UriKind.Relative))).StatusCode);
    }

    [Theory]
    [InlineData("w\n")]
    [InlineData("w\r\n")]
    [InlineData("w\u0000")]
    public async Task An_id_ending_in_a_control_character_is_refused_and_nothing_is_stored(string id)
    {
        await using var agent = await AgentHost.StartAsync();
        await ProblemAsync(await SendAsync(agent, HttpMethod.Post, Route, Policy(id)), HttpStatusCode.BadRequest, "id");
        Assert.Equal(0, await CountAsync(agent, Route));
    }

    [Theory]
    [InlineData("""{"id":"w","target":"local","function":"hello","schedule":"0 0 1 1 *","schedule":"* * * * *"}""", "schedule")]
    [InlineData("""{"id":"w","target":"local","function":"hel\ud800lo","schedule":"0 0 1 1 *"}""", "function")]
    [InlineData("""{"id":"w","target":"local","function":"hello","schedule":"0 0 1 1 *","activeWindow":{"days":["\udfff"]}}""", "activeWindow.days[0]")]
    [InlineData("""{"id":"w","target":"local","function":"hel\u0000lo","schedule":"0 0 1 1 *"}""", "function")]
    [InlineData("""{"id":"w","target":"local","function":"orders","qualifier":"\uFFFD","schedule":"0 0 1 1 *"}""", "qualifier")]
    public async Task Duplicate_keys_lone_surrogates_and_nul_are_refused_naming_the_field(string body, string field)
    {
        await using var agent = await AgentHost.StartAsync();
        await ProblemAsync(await SendAsync(agent, HttpMethod.Post, Route, body), HttpStatusCode.BadRequest, field);
        Assert.Equal(0, await CountAsync(agent, Route));
    }

    [Fact]
    public async Task A_custom_payload_over_lambdas_6_mb_is_refused_at_create()
    {
        await using var agent = await AgentHost.StartAsync();
        var big = JsonSerializer.Serialize(new { data = new string('x', 6 * 1024 * 1024) });
        await ProblemAsync(await SendAsync(agent, HttpMethod.Post, Route, Policy("big", $$""","payloadFormat":"custom","customPayload":{{big}}""")), HttpStatusCode.BadRequest, "customPayload");
        Assert.Equal(0, await CountAsync(agent, Route));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("")]
    public async Task A_body_that_is_not_declared_json_is_a_415_naming_content_type(string contentType)
    {
        await using var agent = await AgentHost.StartAsync();
        await ProblemAsync(await SendAsync(agent, HttpMethod.Post, Route, Policy("w"), contentType), HttpStatusCode.UnsupportedMediaType, "Content-Type");
        Assert.Equal(0, await CountAsync(agent, Route));
    }

    [Fact]
    public async Task A_client_context_is_stored_returned_and_survives_a_restart()
    {
        var directory = Directory.CreateTempSubdirectory("warmkeeper-cc-").FullName;
        try
        {
            await using (var agent = await AgentHost.StartAsync(directory))
            {
                var created = await SendAsync(agent, HttpMethod.Post, Route, Policy("cc", ""","clientContext":{"custom":{"source":"mine"}}"""));
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                await ProblemAsync(await SendAsync(agent, HttpMethod.Post, Route, Policy("cc2", ""","clientContext":[1]""")), HttpStatusCode.BadRequest, "clientContext");
            }

            await using (var agent = await AgentHost.StartAsync(directory))
            {
                var stored = await agent.Client.GetFromJsonAsync<JsonElement>(new Uri($"{Route}/cc", UriKind.Relative));
                Assert.Equal("mine", stored.GetProperty("clientContext").GetProperty("custom").GetProperty("source").GetString());
                var document = await agent.Client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));
                Assert.Contains("\"clientContext\"", document, StringComparison.Ordinal);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
