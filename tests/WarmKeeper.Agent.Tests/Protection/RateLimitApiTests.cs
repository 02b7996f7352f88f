using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Lambda.Wire;
using WarmKeeper.LocalRuntime.Engine;

namespace WarmKeeper.Agent.Tests.Protection;

public sealed class RateLimitApiTests
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static readonly Uri Limits = new("/api/v1/rate-limits", UriKind.Relative);

    private static async Task<string[]> ErrorFieldsAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
    }

    [Fact]
    public async Task Invalid_limits_are_refused_with_every_field_named_and_nothing_changes()
    {
        await using var proxy = await ProxiedAgent.StartAsync();
        var client = proxy.Agent.Client;

        Assert.Equal(["burst", "functions[1]", "id", "maxConcurrency", "permitsPerSecond", "queueLimit"], await ErrorFieldsAsync(await client.PostAsync(Limits, Json(
            """{"id":"Bad!","functions":["hello","no-such-function"],"permitsPerSecond":-5,"burst":-1,"maxConcurrency":0,"queueLimit":-3}"""))));
        Assert.Equal(["burst", "permitsPerSecond"], await ErrorFieldsAsync(await client.PostAsync(Limits, Json(
            """{"id":"zero","functions":["hello"],"permitsPerSecond":0}"""))));
        Assert.Equal(["maxQueueWait"], await ErrorFieldsAsync(await client.PostAsync(Limits, Json(
            """{"id":"no-wait","functions":["hello"],"permitsPerSecond":5,"queueLimit":10}"""))));
        Assert.Equal(["target"], await ErrorFieldsAsync(await client.PostAsync(Limits, Json(
            """{"id":"mars","target":"mars","functions":["hello"],"permitsPerSecond":5}"""))));
        Assert.Equal(["colour", "functions"], await ErrorFieldsAsync(await client.PostAsync(Limits, Json(
            """{"id":"typo","functions":"hello","permitsPerSecond":5,"colour":"red"}"""))));

        var list = await client.GetFromJsonAsync<JsonElement>(Limits);
        Assert.Equal(0, list.GetArrayLength());
        using var call = await proxy.InvokeAsync("hello");
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
    }

    [Fact]
    public async Task Changes_carry_etags_take_effect_at_once_and_each_is_an_event()
    {
        await using var proxy = await ProxiedAgent.StartAsync();
        var client = proxy.Agent.Client;

        var created = await proxy.CreateLimitAsync("""{"id":"orders-db","functions":["hello","orders"],"permitsPerSecond":0,"burst":1}""");
        Assert.Equal("\"1\"", created.Headers.ETag?.Tag);
        using (var first = await proxy.InvokeAsync("orders"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        // One budget for the group: the allowance spent on orders leaves none for hello.
        using (var second = await proxy.InvokeAsync("hello"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        }

        var stale = new HttpRequestMessage(HttpMethod.Put, new Uri("/api/v1/rate-limits/orders-db", UriKind.Relative))
        {
            Content = Json("""{"functions":["hello","orders"],"permitsPerSecond":1000}"""),
        };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"7\""));
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await client.SendAsync(stale)).StatusCode);

        var update = new HttpRequestMessage(HttpMethod.Put, new Uri("/api/v1/rate-limits/orders-db", UriKind.Relative))
        {
            Content = Json("""{"functions":["hello","orders"],"permitsPerSecond":1000}"""),
        };
        update.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        var updated = await client.SendAsync(update);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("\"2\"", updated.Headers.ETag?.Tag);
        using (var third = await proxy.InvokeAsync("hello"))
        {
            Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        }

        var resource = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/rate-limits/orders-db", UriKind.Relative));
        Assert.Equal(1000, resource.GetProperty("permitsPerSecond").GetDouble());
        Assert.Equal("exemptFromRate", resource.GetProperty("warmupPings").GetString());
        Assert.Equal(2, resource.GetProperty("status").GetProperty("admitted").GetInt64());
        Assert.Equal(1, resource.GetProperty("status").GetProperty("rejected").GetInt64());

        var delete = new HttpRequestMessage(HttpMethod.Delete, new Uri("/api/v1/rate-limits/orders-db", UriKind.Relative));
        delete.Headers.IfMatch.Add(new EntityTagHeaderValue("\"2\""));
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(delete)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri("/api/v1/rate-limits/orders-db", UriKind.Relative))).StatusCode);

        var events = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/events?kind=config.change", UriKind.Relative));
        var changes = events.GetProperty("events").EnumerateArray()
            .Select(e => e.GetProperty("data"))
            .Where(d => d.GetProperty("resource").GetString() == "rate-limit")
            .Select(d => d.GetProperty("change").GetString()!)
            .ToArray();
        Assert.Equal(["deleted", "updated", "created"], changes);
    }

    [Fact]
    public async Task The_agents_own_pings_skip_the_rate_by_default_and_a_payload_alone_does_not()
    {
        await using var proxy = await ProxiedAgent.StartAsync();
        await proxy.CreateLimitAsync("""{"id":"pings","functions":["hello"],"permitsPerSecond":0,"burst":1}""");
        const string ping = """{"warmkeeper":{"warmup":true,"correlationId":"c","index":0,"fanOut":1,"holdMs":0}}""";
        var proof = proxy.Agent.Services.GetRequiredService<AgentPingProof>();

        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/2015-03-31/functions/hello/invocations", UriKind.Relative))
            {
                Content = new StringContent(ping, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add(WarmKeeperHeaders.Ping, proof.Sign("hello", null, Encoding.UTF8.GetBytes(ping)));
            using var pingCall = await proxy.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, pingCall.StatusCode);
        }

        using (var real = await proxy.InvokeAsync("hello", ping))
        {
            Assert.Equal(HttpStatusCode.OK, real.StatusCode); // the one permit: a ping's payload without the proof is a call like any other
        }

        using (var realAgain = await proxy.InvokeAsync("hello", ping))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, realAgain.StatusCode);
        }
    }

    [Fact]
    public async Task Reserved_concurrency_is_derived_by_littles_law_applied_and_recorded()
    {
        await using var proxy = await ProxiedAgent.StartAsync();
        await proxy.CreateLimitAsync("""{"id":"orders-rate","functions":["orders"],"permitsPerSecond":20}""");
        var client = proxy.Agent.Client;
        var uri = new Uri("/api/v1/rate-limits/orders-rate/reserved-concurrency", UriKind.Relative);

        // Before any traffic there is no p95 to derive from: nothing changes, and the answer says why.
        var before = await (await client.PostAsync(uri, null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(before[0].GetProperty("applied").GetBoolean());
        Assert.Contains("No duration observed", before[0].GetProperty("reason").GetString(), StringComparison.Ordinal);

        for (var i = 0; i < 10; i++)
        {
            using var call = await proxy.InvokeAsync("orders");
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        var observed = await (await client.PostAsync(uri, Json("""{"apply":false}"""))).Content.ReadFromJsonAsync<JsonElement>();
        var p95 = observed[0].GetProperty("p95DurationMs").GetDouble();
        Assert.InRange(p95, 45, 1000); // orders works about 50 ms a call
        Assert.Equal((int)Math.Ceiling(20 * p95 / 1000), observed[0].GetProperty("desired").GetInt32());
        Assert.False(observed[0].GetProperty("applied").GetBoolean());

        var response = await client.PostAsync(uri, Json("""{"p95DurationMs":730}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var outcome = (await response.Content.ReadFromJsonAsync<JsonElement>())[0];
        Assert.Equal(15, outcome.GetProperty("desired").GetInt32()); // ⌈20 × 0.73⌉
        Assert.True(outcome.GetProperty("applied").GetBoolean());

        var engine = proxy.Agent.Services.GetRequiredService<LocalLambdaEngine>();
        Assert.Equal(15, engine.GetFunctionConcurrency("orders").ReservedConcurrentExecutions);

        var events = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/events?kind=config.change&function=orders", UriKind.Relative));
        Assert.Contains(events.GetProperty("events").EnumerateArray(), e => e.GetProperty("summary").GetString()!.Contains("set to 15", StringComparison.Ordinal));

        var bad = await client.PostAsync(uri, Json("""{"p95DurationMs":-1,"extra":1}"""));
        Assert.Equal(["extra", "p95DurationMs"], await ErrorFieldsAsync(bad));
    }

    [Fact]
    public async Task Throttles_are_summed_into_events_and_other_operations_are_pointed_to_the_target()
    {
        await using var proxy = await ProxiedAgent.StartAsync("--WarmKeeper:Proxy:ThrottleEventInterval=00:00:00.200");
        await proxy.CreateLimitAsync("""{"id":"once","functions":["hello"],"permitsPerSecond":0,"burst":1}""");
        for (var i = 0; i < 4; i++)
        {
            using var call = await proxy.InvokeAsync("hello");
            Assert.Equal(i == 0 ? HttpStatusCode.OK : HttpStatusCode.TooManyRequests, call.StatusCode);
        }

        JsonElement throttle = default;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var events = await proxy.Agent.Client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/events?kind=throttle", UriKind.Relative));
            if (events.GetProperty("events").GetArrayLength() > 0)
            {
                throttle = events.GetProperty("events")[0];
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal(JsonValueKind.Object, throttle.ValueKind);
        Assert.Equal(3, throttle.GetProperty("data").GetProperty("rejected").GetInt64());
        Assert.Equal("hello", throttle.GetProperty("function").GetString());

        using var other = await proxy.Http.GetAsync(new Uri("/2015-03-31/functions/hello", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal("UnknownOperationException", other.Headers.GetValues("x-amzn-ErrorType").Single());
    }
}
