using Microsoft.Playwright;

namespace WarmKeeper.Dashboard.Tests.Browser;

public sealed class OverviewBrowserTests(DashboardSession session) : IClassFixture<DashboardSession>
{
    [SkippableFact]
    public async Task The_overview_lists_the_local_demo_functions()
    {
        var page = await session.OpenAsync("/");

        foreach (var function in new[] { "hello", "orders", "report" })
        {
            await Assertions.Expect(page.Locator($"tr[data-function='local/{function}'] th a")).ToHaveTextAsync(function);
        }

        await Assertions.Expect(page.Locator("tr[data-function='local/orders']")).ToContainTextAsync("live → 1");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Path.GetTempPath(), "warmkeeper-overview.png"), FullPage = true });
    }
}
