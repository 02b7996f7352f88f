using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace WarmKeeper.Agent.Tests.Api;

/// <summary>Sending raw requests to a real agent and checking its refusals: problem details naming the field, nothing stored.</summary>
internal static class ApiAssert
{
    /// <param name="expectContinue">Wait for the server's 100 before sending the body, so a refusal of a big body is read rather than cut off.</param>
    public static async Task<HttpResponseMessage> SendAsync(AgentHost agent, HttpMethod method, string uri, string? json = null, string contentType = "application/json", bool expectContinue = false)
    {
        using var request = new HttpRequestMessage(method, new Uri(uri, UriKind.Relative));
        request.Headers.ExpectContinue = expectContinue;
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = contentType.Length == 0 ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        return await agent.Client.SendAsync(request);
    }

    /// <summary>The answer is <paramref name="status"/> with a problem-details body whose errors name <paramref name="field"/>.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(body);
        var problem = doc.RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        if (field is not null)
        {
            Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _), $"The problem does not name '{field}': {body}");
        }

        return problem;
    }

    public static async Task<int> CountAsync(AgentHost agent, string collection) =>
        (await agent.Client.GetFromJsonAsync<JsonElement>(new Uri(collection, UriKind.Relative))).GetArrayLength();
}
