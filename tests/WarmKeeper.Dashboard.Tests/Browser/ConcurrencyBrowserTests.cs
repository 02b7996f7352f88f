using Microsoft.Playwright;

namespace WarmKeeper.Dashboard.Tests.Browser;

/// <summary>Concurrency settings and warm-up runs in a real browser, checked against the REST API.</summary>
public sealed class ConcurrencyBrowserTests(DashboardSession session) : IClassFixture<DashboardSession>
{
    [SkippableFact]
    public async Task A_bad_value_shows_the_fields_error_and_changes_nothing()
    {
        await AgentApi.CreateAsync(session.Agent.Client, "/api/v1/concurrency-policies", AgentApi.OrdersPolicy("bad-edit", "blue"));
        var page = await session.OpenAsync("/concurrency/policies/bad-edit");

        await page.GetByLabel("Target utilization").FillAsync("5");
        await page.GetByLabel("Max", new() { Exact = true }).FillAsync("-3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        await Assertions.Expect(page.Locator("[data-outcome=Invalid]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("ul.field-error[data-field=targetUtilization]")).ToContainTextAsync("targetUtilization must be between 0.1 and 0.9");
        await Assertions.Expect(page.Locator("ul.field-error[data-field=max]")).ToContainTextAsync("max");
        await Assertions.Expect(page.GetByLabel("Target utilization")).ToHaveAttributeAsync("aria-invalid", "true");
        var stored = await AgentApi.GetAsync(session.Agent.Client, "/api/v1/concurrency-policies/bad-edit");
        Assert.Equal(1, stored["revision"]!.GetValue<long>());
        Assert.Equal(0.7, stored["targetUtilization"]!.GetValue<double>());
        Assert.Equal(5, stored["max"]!.GetValue<int>());
    }

    [SkippableFact]
    public async Task A_good_edit_is_stored_and_shown()
    {
        await AgentApi.CreateAsync(session.Agent.Client, "/api/v1/concurrency-policies", AgentApi.OrdersPolicy("good-edit", "green"));
        var page = await session.OpenAsync("/concurrency/policies/good-edit");

        await page.GetByLabel("Max", new() { Exact = true }).FillAsync("12");
        await page.GetByLabel("Target utilization").FillAsync("0.5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        await Assertions.Expect(page.Locator("[data-outcome=Succeeded]")).ToContainTextAsync("revision 2");
        var stored = await AgentApi.GetAsync(session.Agent.Client, "/api/v1/concurrency-policies/good-edit");
        Assert.Equal(2, stored["revision"]!.GetValue<long>());
        Assert.Equal(12, stored["max"]!.GetValue<int>());
        Assert.Equal(0.5, stored["targetUtilization"]!.GetValue<double>());

        await page.GetByRole(AriaRole.Link, new() { Name = "Back to policies" }).ClickAsync();
        var row = page.Locator("tr[data-policy=good-edit]");
        await Assertions.Expect(row).ToContainTextAsync("0–12");
        await Assertions.Expect(row).ToContainTextAsync("0.5");
    }

    [SkippableFact]
    public async Task A_stale_edit_is_refused_keeps_the_persons_values_and_can_be_saved_over()
    {
        var created = await AgentApi.CreateAsync(session.Agent.Client, "/api/v1/concurrency-policies", AgentApi.OrdersPolicy("stale-edit", "canary"));
        var page = await session.OpenAsync("/concurrency/policies/stale-edit");
        await Assertions.Expect(page.GetByLabel("Max", new() { Exact = true })).ToHaveValueAsync("5");

        // Someone else changes it meanwhile.
        await AgentApi.PutAsync(session.Agent.Client, "/api/v1/concurrency-policies/stale-edit", AgentApi.OrdersPolicy("stale-edit", "canary", max: 7), created["revision"]!.GetValue<long>());

        await page.GetByLabel("Max", new() { Exact = true }).FillAsync("9");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

        await Assertions.Expect(page.Locator("[data-outcome=Stale]")).ToContainTextAsync("nothing was saved");
        await Assertions.Expect(page.Locator("table.diff")).ToContainTextAsync("max");
        await Assertions.Expect(page.GetByLabel("Max", new() { Exact = true })).ToHaveValueAsync("9");
        Assert.Equal(7, (await AgentApi.GetAsync(session.Agent.Client, "/api/v1/concurrency-policies/stale-edit"))["max"]!.GetValue<int>());

        await page.GetByRole(AriaRole.Button, new() { Name = "Save mine over revision 2" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-outcome=Succeeded]")).ToContainTextAsync("revision 3");
        Assert.Equal(9, (await AgentApi.GetAsync(session.Agent.Client, "/api/v1/concurrency-policies/stale-edit"))["max"]!.GetValue<int>());
    }

    [SkippableFact]
    public async Task Reserved_concurrency_by_hand_names_the_field_of_a_bad_value_and_stores_a_good_one()
    {
        var page = await session.OpenAsync("/functions/local/report");
        var form = page.GetByRole(AriaRole.Form, new() { Name = "Reserved concurrency" });

        await form.GetByLabel("Reserved").FillAsync("-4");
        await form.GetByRole(AriaRole.Button, new() { Name = "Set" }).ClickAsync();
        await Assertions.Expect(form.Locator("ul.field-error[data-field=value]")).ToContainTextAsync("value must be 0 or more");
        Assert.Null((await AgentApi.GetAsync(session.Agent.Client, "/api/v1/functions/local/report"))["reservedConcurrency"]);

        await form.GetByLabel("Reserved").FillAsync("25");
        await form.GetByRole(AriaRole.Button, new() { Name = "Set" }).ClickAsync();
        await Assertions.Expect(form.Locator("[data-outcome=Succeeded]")).ToBeVisibleAsync();
        Assert.Equal(25, (await AgentApi.GetAsync(session.Agent.Client, "/api/v1/functions/local/report"))["reservedConcurrency"]!.GetValue<int>());
        await Assertions.Expect(page.Locator("[data-card=reserved]")).ToHaveTextAsync("25");
    }

    [SkippableFact]
    public async Task Running_a_warmup_shows_its_report()
    {
        await AgentApi.CreateAsync(session.Agent.Client, "/api/v1/warmup-policies", AgentApi.HelloWarmup("hello-now"));
        var page = await session.OpenAsync("/warmup");

        await page.GetByRole(AriaRole.Button, new() { Name = "Run hello-now now" }).ClickAsync();

        var report = page.Locator("[data-testid=run-result] [data-testid=warmup-report]");
        await Assertions.Expect(report.Locator("[data-figure=sent]")).ToContainTextAsync("2");
        await Assertions.Expect(report.Locator("[data-figure=distinct]")).ToHaveTextAsync("2");
        await Assertions.Expect(report.Locator("[data-figure=errors]")).ToHaveTextAsync("0");
        await Assertions.Expect(page.Locator("tr[data-policy=hello-now]")).ToContainTextAsync("2 sent");
    }

    [SkippableFact]
    public async Task A_warmup_policy_is_turned_off_and_on_from_its_switch()
    {
        await AgentApi.CreateAsync(session.Agent.Client, "/api/v1/warmup-policies", AgentApi.HelloWarmup("hello-switch"));
        var page = await session.OpenAsync("/warmup");
        var toggle = page.GetByRole(AriaRole.Switch, new() { Name = "hello-switch enabled" });
        await Assertions.Expect(toggle).Not.ToBeCheckedAsync();

        await toggle.CheckAsync();
        await Assertions.Expect(page.Locator("[data-outcome=Succeeded]")).ToContainTextAsync("hello-switch is on");
        var stored = await AgentApi.GetAsync(session.Agent.Client, "/api/v1/warmup-policies/hello-switch");
        Assert.True(stored["enabled"]!.GetValue<bool>());
        Assert.Equal(2, stored["revision"]!.GetValue<long>());

        await toggle.UncheckAsync();
        await Assertions.Expect(page.Locator("[data-outcome=Succeeded]")).ToContainTextAsync("hello-switch is off");
        Assert.False((await AgentApi.GetAsync(session.Agent.Client, "/api/v1/warmup-policies/hello-switch"))["enabled"]!.GetValue<bool>());
    }
}
