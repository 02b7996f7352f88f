using System.Text;
using Microsoft.Playwright;
using WarmKeeper.Core.Simulation;

namespace WarmKeeper.Dashboard.Tests.Browser;

public sealed class SimulationBrowserTests(DashboardSession session) : IClassFixture<DashboardSession>
{
    private const string Functions = "function,memory_mb,init_ms\napi,512,300\n";

    [SkippableFact]
    public async Task An_uploaded_trace_is_simulated_policy_by_policy_with_progress_a_table_and_a_Pareto_chart()
    {
        var page = await session.OpenAsync("/simulation");
        await page.GetByLabel("An uploaded trace").CheckAsync();

        // A broken line is named with its file and line, and nothing runs past it.
        await ChooseFileAsync(page, "#sim-functions-csv", Csv("functions.csv", Functions));
        await ChooseFileAsync(page, "#sim-invocations-csv", Csv("invocations.csv", "t_ms,function,duration_ms\n1000,api\n"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Run simulation" }).ClickAsync();
        await Assertions.Expect(page.Locator("p.field-error[data-field='trace.invocationsCsv']")).ToContainTextAsync("line 2");
        await Assertions.Expect(page.Locator("[data-testid=simulation-results]")).ToHaveCountAsync(0);

        var invocations = new StringBuilder("t_ms,function,duration_ms\n");
        for (var minute = 0; minute < 120; minute += 7)
        {
            invocations.Append(minute * 60_000).Append(",api,120\n");
        }

        await ChooseFileAsync(page, "#sim-invocations-csv", Csv("invocations.csv", invocations.ToString()));
        await page.GetByLabel("Idle timeouts (REAP), minutes").FillAsync("5, 10");
        await page.GetByRole(AriaRole.Button, new() { Name = "Run simulation" }).ClickAsync();

        var policies = PolicyCatalog.DefaultNames.Count;
        await Assertions.Expect(page.Locator("[data-testid=simulation-progress]")).ToContainTextAsync($"{policies} of {policies} policies simulated");
        await Assertions.Expect(page.Locator("#sim-progress")).ToHaveAttributeAsync("value", policies.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("[data-testid=simulation-results] tbody tr")).ToHaveCountAsync(policies * 2);
        await Assertions.Expect(page.Locator("[data-testid=pareto-chart] circle.point")).ToHaveCountAsync(policies);
        await Assertions.Expect(page.Locator("[data-testid=pareto-chart] circle.point.frontier").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=simulation-results] tr[data-policy=none]").First).ToContainTextAsync("5 min");
    }

    /// <summary>
    /// Chooses a file as a person would, after the page can take it: Blazor wires an InputFile's change
    /// listener in a render after the element appears (it marks the element when it has), and a file
    /// chosen before that is never seen (on a loaded machine the test was that fast). Then waits until
    /// the page says it read the file.
    /// </summary>
    private static async Task ChooseFileAsync(IPage page, string selector, FilePayload file)
    {
        await page.WaitForFunctionAsync($"() => document.querySelector('{selector}')?._blazorInputFileNextFileId !== undefined");
        await page.SetInputFilesAsync(selector, file);
        await Assertions.Expect(page.Locator(selector + " + p.help")).ToContainTextAsync($"{file.Buffer.Length:N0} characters read");
    }

    private static FilePayload Csv(string name, string content) =>
        new() { Name = name, MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(content) };
}
