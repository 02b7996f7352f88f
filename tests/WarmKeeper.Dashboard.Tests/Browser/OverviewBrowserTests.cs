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

    [SkippableFact]
    public async Task Rate_limits_are_listed_with_their_usage()
    {
        await AgentApi.CreateAsync(session.Agent.Client, "/api/v1/rate-limits", new System.Text.Json.Nodes.JsonObject
        {
            ["id"] = "orders-db", ["functions"] = new System.Text.Json.Nodes.JsonArray("orders", "report"), ["permitsPerSecond"] = 50, ["burst"] = 10,
            ["maxConcurrency"] = 8, ["queueLimit"] = 20, ["maxQueueWait"] = "00:00:02",
        });
        var page = await session.OpenAsync("/rate-limits");

        var row = page.Locator("tr[data-limit=orders-db]");
        await Assertions.Expect(row).ToContainTextAsync("orders");
        await Assertions.Expect(row).ToContainTextAsync("50");
        await Assertions.Expect(row.Locator("meter")).ToHaveAttributeAsync("max", "8");
        await Assertions.Expect(row).ToContainTextAsync("0 / 8");
    }
}
