using System.Net;
using WarmKeeper.Agent.Hosting;
using WarmKeeper.Agent.Security;

namespace WarmKeeper.Agent.Tests;

public sealed class ApiKeyTests
{
    [Fact]
    public async Task Keys_are_required_once_configured_and_scopes_are_enforced()
    {
        await using var agent = await AgentHost.StartAsync(null,
            $"--WarmKeeper:Api:Keys:reader:Hash={ApiKeyHashing.Hash("read-secret")}",
            "--WarmKeeper:Api:Keys:reader:Scopes:0=read",
            $"--WarmKeeper:Api:Keys:ops:Hash={ApiKeyHashing.Hash("ops-secret")}",
            "--WarmKeeper:Api:Keys:ops:Scopes:0=read",
            "--WarmKeeper:Api:Keys:ops:Scopes:1=write");

        var policies = new Uri("/api/v1/warmup-policies", UriKind.Relative);
        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.Client.GetAsync(policies)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(agent, HttpMethod.Get, policies, "wrong-secret")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(agent, HttpMethod.Get, policies, "read-secret")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(agent, HttpMethod.Post, policies, "read-secret")).StatusCode);
        // A write key gets past authorization to validation (400: no body), which proves the scope.
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(agent, HttpMethod.Post, policies, "ops-secret")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.Client.GetAsync(new Uri("/hangfire", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.Client.GetAsync(new Uri("/healthz/live", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Without_keys_a_non_loopback_listener_is_refused_with_what_to_set()
    {
        using var stderr = new StringWriter();
        var exit = await AgentCommandLine.RunAsync(["--urls=http://0.0.0.0:0"], TextWriter.Null, stderr, TestContext.Cancellation);

        Assert.Equal(AgentCommandLine.InvalidConfigurationExitCode, exit);
        Assert.Contains("WarmKeeper:Api:Keys", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("hash-key", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_keys_loopback_callers_need_no_login()
    {
        await using var agent = await AgentHost.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await agent.Client.GetAsync(new Uri("/api/v1/warmup-policies", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.Client.GetAsync(new Uri("/hangfire", UriKind.Relative))).StatusCode);
    }

    private static Task<HttpResponseMessage> Send(AgentHost agent, HttpMethod method, Uri uri, string key)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        return agent.Client.SendAsync(request);
    }
}
