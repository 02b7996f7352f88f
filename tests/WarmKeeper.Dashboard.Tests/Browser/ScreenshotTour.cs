using Microsoft.Playwright;

namespace WarmKeeper.Dashboard.Tests.Browser;

/// <summary>An agent with its demo traffic on, so every page has something to show.</summary>
public sealed class DemoDashboardSession : DashboardSession
{
    protected override string[] AgentArguments => ["--WarmKeeper:Demo:Enabled=true"];
}

/// <summary>
/// Walks every page of the dashboard on an agent with demo traffic and photographs each one: a smoke test that each
/// renders what it is for. The pictures go to a temporary folder, or, to retake the README's screenshots
/// (docs/dashboard-*.png) after a couple of minutes of traffic, to the folder <c>WARMKEEPER_SCREENSHOTS</c> names:
/// <c>WARMKEEPER_SCREENSHOTS=$PWD/docs dotnet test tests/WarmKeeper.Dashboard.Tests --filter ScreenshotTour</c>.
/// </summary>
public sealed class ScreenshotTour(DemoDashboardSession session) : IClassFixture<DemoDashboardSession>
{
    public const string VariableName = "WARMKEEPER_SCREENSHOTS";

    [SkippableFact]
    public async Task Every_page_renders_with_demo_traffic_and_is_photographed()
    {
        var requested = Environment.GetEnvironmentVariable(VariableName);
        var folder = string.IsNullOrEmpty(requested) ? Path.Combine(Path.GetTempPath(), $"warmkeeper-tour-{Guid.NewGuid():N}") : requested;
        Directory.CreateDirectory(folder);
        var defaultWait = string.IsNullOrEmpty(requested) ? 3 : 150;
        await Task.Delay(TimeSpan.FromSeconds(double.TryParse(Environment.GetEnvironmentVariable("WARMKEEPER_SCREENSHOTS_WAIT"), out var s) ? s : defaultWait));

        var page = await session.OpenAsync("/");
        await Assertions.Expect(page.Locator("tr[data-function='local/orders']")).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(1000);
        await ShotAsync(page, folder, "overview");

        await page.GotoAsync("/functions/local/orders");
        await Assertions.Expect(page.Locator("[data-testid=concurrency-chart]")).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(1000);
        await ShotAsync(page, folder, "function");

        await page.GotoAsync("/concurrency");
        await Assertions.Expect(page.Locator("tr[data-policy=demo-orders]")).ToBeVisibleAsync();
        await ShotAsync(page, folder, "concurrency");

        await page.GotoAsync("/events");
        await Assertions.Expect(page.Locator("ol.events li").First).ToBeVisibleAsync();
        await ShotAsync(page, folder, "events");

        await page.GotoAsync("/concurrency/policies/demo-orders");
        await page.GetByLabel("Target utilization").FillAsync("1.5");
        await page.GetByLabel("Stable window").FillAsync("00:00:03");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-outcome=Invalid]")).ToBeVisibleAsync();
        await ShotAsync(page, folder, "policy-errors");

        await page.GotoAsync("/warmup");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run demo-report now" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=warmup-report]")).ToBeVisibleAsync();
        await ShotAsync(page, folder, "warmup");

        await page.GotoAsync("/simulation");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run simulation" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=simulation-results]")).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await Assertions.Expect(page.Locator("[data-testid=simulation-progress]")).Not.ToContainTextAsync("Simulating", new() { Timeout = 120_000 });
        await ShotAsync(page, folder, "simulation");

        string[] pages = ["overview", "function", "concurrency", "events", "policy-errors", "warmup", "simulation"];
        Assert.All(pages, name => Assert.True(new FileInfo(Path.Combine(folder, $"dashboard-{name}.png")).Length > 10_000, $"{name}: no picture"));
        if (string.IsNullOrEmpty(requested))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static Task<byte[]> ShotAsync(IPage page, string folder, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"dashboard-{name}.png"), FullPage = true });
}
