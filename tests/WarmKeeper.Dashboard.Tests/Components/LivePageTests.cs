using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Dashboard.Client;
using WarmKeeper.Dashboard.Pages;

namespace WarmKeeper.Dashboard.Tests.Components;

public sealed class LivePageTests : BunitContext
{
    private readonly FakeWarmKeeperClient _client = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero));

    public LivePageTests()
    {
        Services.AddSingleton<IWarmKeeperClient>(_client);
        Services.AddSingleton<TimeProvider>(_time);
        AddAuthorization().SetAuthorized("local").SetClaims(new System.Security.Claims.Claim("scope", "write"));
    }

    [Fact]
    public async Task A_live_page_refreshes_on_its_timer_holds_still_when_paused_and_stops_when_left()
    {
        var page = Render<Overview>();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("tr[data-function='local/orders']")));
        Assert.Equal(1, _client.FunctionListings);

        _time.Advance(TimeSpan.FromSeconds(5));
        page.WaitForAssertion(() => Assert.Equal(2, _client.FunctionListings));

        page.Find(".live-status button").Click();
        Assert.Equal("true", page.Find(".live-status button").GetAttribute("aria-pressed"));
        _time.Advance(TimeSpan.FromSeconds(15));
        Assert.Equal(2, _client.FunctionListings);

        page.Find(".live-status button").Click();
        page.WaitForAssertion(() => Assert.Equal(3, _client.FunctionListings));

        await DisposeComponentsAsync();
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(3, _client.FunctionListings);
    }
}
