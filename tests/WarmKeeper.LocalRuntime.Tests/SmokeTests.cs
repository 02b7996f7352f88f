namespace WarmKeeper.LocalRuntime.Tests;

public sealed class SmokeTests
{
    [Fact]
    public async Task Echo_returns_the_event_over_http()
    {
        await using var rt = await TestRuntime.StartAsync();
        using var response = await rt.InvokeAsync("hello", "{\"a\":1}");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("{\"a\":1}", await response.Content.ReadAsStringAsync());
        Assert.Equal("$LATEST", HttpAssert.Header(response, "X-Amz-Executed-Version"));

        using var list = await rt.Http.GetAsync("/2015-03-31/functions/");
        Assert.Equal(200, (int)list.StatusCode);
        var json = await HttpAssert.JsonAsync(list);
        Assert.Equal(2, json.GetProperty("Functions").GetArrayLength());
        using var settings = await rt.Http.GetAsync("/2016-08-19/account-settings/");
        Assert.Equal(200, (int)settings.StatusCode);
        using var get = await rt.Http.GetAsync("/2015-03-31/functions/hello");
        Assert.Equal(200, (int)get.StatusCode);
    }
}
