using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace WarmKeeper.Dashboard.Tests.Browser;

/// <summary>The agent's REST API as the tests check it: what the browser did must be what the API stores.</summary>
internal static class AgentApi
{
    public static async Task<JsonObject> CreateAsync(HttpClient client, string path, JsonObject body, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        AddKey(request, key);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public static async Task<JsonObject> GetAsync(HttpClient client, string path, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        AddKey(request, key);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public static async Task<JsonObject> PutAsync(HttpClient client, string path, JsonObject body, long revision, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(body) };
        request.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue($"\"{revision}\""));
        AddKey(request, key);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>A concurrency policy body for orders at an alias (one policy per alias: see <see cref="DashboardSession.OrdersAliases"/>).</summary>
    public static JsonObject OrdersPolicy(string id, string alias, int max = 5) => new()
    {
        ["id"] = id, ["target"] = "local", ["function"] = "orders", ["qualifier"] = alias, ["min"] = 0, ["max"] = max,
        // Dry run: the reconciler records decisions but the test's numbers stay put.
        ["dryRun"] = true,
    };

    public static JsonObject HelloWarmup(string id) => new()
    {
        ["id"] = id, ["target"] = "local", ["function"] = "hello", ["schedule"] = "0 0 1 1 *", ["fanOut"] = 2, ["holdMs"] = 100, ["enabled"] = false,
    };

    private static void AddKey(HttpRequestMessage request, string? key)
    {
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }
    }
}
