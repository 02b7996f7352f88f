using System.Net;
using static WarmKeeper.Agent.Tests.Api.ApiAssert;

namespace WarmKeeper.Agent.Tests.Api;

/// <remarks>NUL itself in a path is refused by Kestrel (a 400) before the agent sees it; other control characters reach it.</remarks>
public sealed class FunctionsApiTests
{
    [Fact]
    public async Task Metrics_of_an_unknown_function_are_a_404_not_empty_points()
    {
        await using var agent = await AgentHost.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await agent.Client.GetAsync(new Uri("/api/v1/functions/local/hello/metrics", UriKind.Relative))).StatusCode);
        await ProblemAsync(await agent.Client.GetAsync(new Uri("/api/v1/functions/local/no-such-function/metrics", UriKind.Relative)), HttpStatusCode.NotFound, null);
        await ProblemAsync(await agent.Client.GetAsync(new Uri("/api/v1/functions/nowhere/hello/metrics", UriKind.Relative)), HttpStatusCode.NotFound, null);
    }

    [Theory]
    [InlineData("/api/v1/functions/local/hel%0Alo")]
    [InlineData("/api/v1/functions/local/hel%01lo/metrics")]
    [InlineData("/api/v1/functions/local/hello%0A/metrics")]
    public async Task A_control_character_in_a_function_name_is_a_400_naming_it(string uri)
    {
        await using var agent = await AgentHost.StartAsync();
        await ProblemAsync(await agent.Client.GetAsync(new Uri(uri, UriKind.Relative)), HttpStatusCode.BadRequest, "name");
    }

    [Fact]
    public async Task A_repeated_parameter_and_an_unknown_path_are_problem_details()
    {
        await using var agent = await AgentHost.StartAsync();
        await ProblemAsync(await agent.Client.GetAsync(new Uri("/api/v1/functions?target=local&target=x", UriKind.Relative)), HttpStatusCode.BadRequest, "target");
        await ProblemAsync(await agent.Client.GetAsync(new Uri("/api/v1/functions/local/hello/metrics?window=1&window=2", UriKind.Relative)), HttpStatusCode.BadRequest, "window");
        await ProblemAsync(await agent.Client.GetAsync(new Uri("/api/v1/no-such-thing", UriKind.Relative)), HttpStatusCode.NotFound, null);
    }
}
