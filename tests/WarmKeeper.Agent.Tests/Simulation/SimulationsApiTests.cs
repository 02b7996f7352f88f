using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Lambda;

namespace WarmKeeper.Agent.Tests.Simulation;

public sealed class SimulationsApiTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Simulates_the_recorded_demand_of_a_local_function_in_a_window()
    {
        await using var agent = await AgentHost.StartAsync();
        Assert.True(agent.Services.GetRequiredService<ILambdaTargets>().TryGet("local", out var lambda));
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        for (var i = 0; i < 5; i++)
        {
            var result = await lambda.InvokeAsync(new InvokeRequest { FunctionName = "hello", Payload = "{}"u8.ToArray() }, CancellationToken.None);
            Assert.Equal(200, result.StatusCode);
        }

        // The log is fed off the invocation path; give it a moment.
        await Task.Delay(200);
        var to = DateTimeOffset.UtcNow.AddSeconds(1);
        var body = $$"""
            {"recorded":{"target":"local","function":"hello","from":"{{from:O}}","to":"{{to:O}}"},
             "policies":["none","ping-5min","adaptive"],"reapMinutes":[5,10]}
            """;

        var response = await agent.Client.PostAsync(new Uri("/api/v1/simulations", UriKind.Relative), Json(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        var trace = answer.GetProperty("trace");
        Assert.Equal("local/hello", trace.GetProperty("name").GetString());
        Assert.Equal(5, trace.GetProperty("invocations").GetInt32());
        Assert.Equal(128, trace.GetProperty("functions")[0].GetProperty("memoryMb").GetInt32());
        var results = answer.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(6, results.Length);
        Assert.All(results, r => Assert.Equal(5, r.GetProperty("invocations").GetInt64()));
        var none = results.First(r => r.GetProperty("policy").GetString() == "none");
        Assert.Equal(1, none.GetProperty("coldStarts").GetInt64());
        var pinged = results.First(r => r.GetProperty("policy").GetString() == "ping-5min");
        Assert.Equal(0, pinged.GetProperty("coldStarts").GetInt64());
        Assert.True(pinged.GetProperty("pings").GetInt64() >= 1);
    }

    [Fact]
    public async Task Simulates_an_uploaded_trace_and_names_every_bad_field()
    {
        await using var agent = await AgentHost.StartAsync();

        var good = await agent.Client.PostAsync(new Uri("/api/v1/simulations", UriKind.Relative), Json("""
            {"trace":{"name":"mine","functionsCsv":"function,memory_mb,init_ms\napi,256,300\n","invocationsCsv":"t_ms,function,duration_ms\n0,api,100\n900000,api,100\n"},
             "policies":["none"],"reapMinutes":[10]}
            """));
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        var row = (await good.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("results")[0];
        Assert.Equal("mine", row.GetProperty("trace").GetString());
        Assert.Equal(2, row.GetProperty("coldStarts").GetInt64());

        var bad = await agent.Client.PostAsync(new Uri("/api/v1/simulations", UriKind.Relative), Json("""
            {"trace":{"functionsCsv":"function,memory_mb,init_ms\napi,256,300\n","invocationsCsv":"t_ms,function,duration_ms\n5,api,1\n1,api,1\n2,ghost,1\n"},
             "policies":["none","magic"],"reapMinutes":[0],"colour":"blue"}
            """));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["colour", "policies[1]", "reapMinutes[0]", "trace.invocationsCsv"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        var lines = errors.GetProperty("trace.invocationsCsv").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Contains(lines, l => l.StartsWith("line 3:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("line 4:", StringComparison.Ordinal) && l.Contains("ghost", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_window_with_nothing_recorded_or_an_unknown_target_is_refused()
    {
        await using var agent = await AgentHost.StartAsync();
        var now = DateTimeOffset.UtcNow;

        var empty = await agent.Client.PostAsync(new Uri("/api/v1/simulations", UriKind.Relative), Json($$$"""
            {"recorded":{"target":"local","function":"orders","from":"{{{now.AddHours(-1):O}}}","to":"{{{now:O}}}"}}
            """));
        var unknown = await agent.Client.PostAsync(new Uri("/api/v1/simulations", UriKind.Relative), Json($$$"""
            {"recorded":{"target":"mars","function":"orders","from":"{{{now:O}}}","to":"{{{now.AddDays(2):O}}}"}}
            """));

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.True((await empty.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("recorded.function", out _));
        var unknownErrors = (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(unknownErrors.TryGetProperty("recorded.target", out _));
        Assert.True(unknownErrors.TryGetProperty("recorded.to", out _));
    }
}
