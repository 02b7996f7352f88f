using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Agent.Persistence;
using static WarmKeeper.Agent.Tests.Api.ApiAssert;

namespace WarmKeeper.Agent.Tests.Api;

public sealed class EventsApiTests
{
    [Theory]
    [InlineData("limit=abc", "limit")]
    [InlineData("limit=99999999999", "limit")]
    [InlineData("limit=0", "limit")]
    [InlineData("before=abc", "before")]
    [InlineData("since=yesterday", "since")]
    [InlineData("limit=1&limit=2", "limit")]
    [InlineData("kind=a&kind=b", "kind")]
    public async Task A_bad_query_parameter_is_problem_details_naming_it(string query, string field)
    {
        await using var agent = await AgentHost.StartAsync();
        await ProblemAsync(await agent.Client.GetAsync(new Uri($"/api/v1/events?{query}", UriKind.Relative)), HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData(60)]
    [InlineData(300)]
    public async Task An_event_stored_deeper_than_today_accepts_does_not_break_the_listing(int depth)
    {
        await using var agent = await AgentHost.StartAsync();
        var deep = new StringBuilder().Insert(0, "{\"a\":", depth).Append("{}").Append('}', depth).ToString();
        var contexts = agent.Services.GetRequiredService<IDbContextFactory<WarmKeeperDbContext>>();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            // As an older version stored a policy's 60-level customPayload in its change event.
            db.Events.Add(new EventRow { Kind = "config.change", Actor = "api:old", Summary = "old", Data = "{\"policy\":{\"customPayload\":" + deep + "}}" });
            db.Events.Add(new EventRow { Kind = "config.change", Actor = "api:old", Summary = "broken", Data = "{\"a\":" });
            await db.SaveChangesAsync();
        }

        var response = await agent.Client.GetAsync(new Uri("/api/v1/events", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["broken", "old"], page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("summary").GetString()).Take(2));
    }
}
