using System.Net;
using static WarmKeeper.Agent.Tests.Api.ApiAssert;

namespace WarmKeeper.Agent.Tests.Api;

public sealed class ConcurrencyControlApiTests
{
    [Fact]
    public async Task Provisioned_concurrency_0_where_none_is_configured_is_already_true_and_repeating_it_is_safe()
    {
        await using var agent = await AgentHost.StartAsync();
        for (var i = 0; i < 2; i++)
        {
            var response = await SendAsync(agent, HttpMethod.Put, "/api/v1/functions/local/orders/provisioned-concurrency", """{"qualifier":"live","value":0}""");
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task A_control_character_in_the_function_name_is_a_400_naming_it()
    {
        await using var agent = await AgentHost.StartAsync();
        await ProblemAsync(await SendAsync(agent, HttpMethod.Put, "/api/v1/functions/local/he%0Allo/provisioned-concurrency", """{"qualifier":"live","value":1}"""), HttpStatusCode.BadRequest, "name");
        await ProblemAsync(await SendAsync(agent, HttpMethod.Put, "/api/v1/functions/local/he%0Allo/reserved-concurrency", """{"value":1}"""), HttpStatusCode.BadRequest, "name");
        await ProblemAsync(await SendAsync(agent, HttpMethod.Delete, "/api/v1/functions/local/he%0Allo/reserved-concurrency"), HttpStatusCode.BadRequest, "name");
    }
}
