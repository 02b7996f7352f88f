using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace WarmKeeper.Dashboard.Tests.Browser;

/// <summary>With API keys configured: sign-in, scopes, and no way around the REST API's authorization.</summary>
public sealed class SignInBrowserTests(SecuredDashboardSession session) : IClassFixture<SecuredDashboardSession>
{
    [SkippableFact]
    public async Task An_unauthenticated_visitor_is_sent_to_sign_in_and_comes_back_after_it()
    {
        var page = await session.OpenAsync("/concurrency");

        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sign-in\\?ReturnUrl=%2Fconcurrency$"));
        await page.GetByLabel("API key").FillAsync("not-a-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#api-key-error")).ToContainTextAsync("not one of the agent's keys");

        await page.GetByLabel("API key").FillAsync(SecuredDashboardSession.OpsKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/concurrency$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Concurrency", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "New policy" })).ToBeVisibleAsync();
    }

    [SkippableFact]
    public async Task The_sign_in_cookie_is_http_only_and_strict_and_a_post_without_the_antiforgery_token_is_refused()
    {
        var page = await SignInAsync(SecuredDashboardSession.OpsKey, "/");
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "warmkeeper.dashboard");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain(SecuredDashboardSession.OpsKey, cookie.Value, StringComparison.Ordinal);

        var stranger = await session.OpenAsync("/sign-in");
        await Assertions.Expect(stranger.Locator("form input[name=__RequestVerificationToken]")).ToHaveCountAsync(1);
        var forged = await stranger.Context.APIRequest.PostAsync("/sign-in", new()
        {
            Form = stranger.Context.APIRequest.CreateFormData().Set("_handler", "sign-in").Set("Input.Key", SecuredDashboardSession.OpsKey),
        });
        Assert.Equal(400, forged.Status);
        Assert.DoesNotContain(await stranger.Context.CookiesAsync(), c => c.Name == "warmkeeper.dashboard");
    }

    [SkippableFact]
    public async Task The_dashboard_cookie_opens_no_door_to_the_REST_API()
    {
        var page = await SignInAsync(SecuredDashboardSession.OpsKey, "/");
        var response = await page.Context.APIRequest.GetAsync("/api/v1/concurrency-policies");
        Assert.Equal(401, response.Status);
        var post = await page.Context.APIRequest.PostAsync("/api/v1/warmup-policies", new() { DataObject = AgentApi.HelloWarmup("via-cookie") });
        Assert.Equal(401, post.Status);
    }

    [SkippableFact]
    public async Task A_read_only_key_sees_everything_and_can_change_nothing()
    {
        var client = session.Agent.Client;
        await AgentApi.CreateAsync(client, "/api/v1/concurrency-policies", AgentApi.OrdersPolicy("read-only", "amber"), SecuredDashboardSession.OpsKey);
        await AgentApi.CreateAsync(client, "/api/v1/warmup-policies", AgentApi.HelloWarmup("read-only-warmup"), SecuredDashboardSession.OpsKey);
        var page = await SignInAsync(SecuredDashboardSession.ReaderKey, "/concurrency/policies/read-only");

        await Assertions.Expect(page.GetByText("read-only", new() { Exact = true }).First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Note)).ToContainTextAsync("may read but not change");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save changes" })).ToBeDisabledAsync();

        // Even with the form forced open in the browser, the server refuses: the page's own check and the API's.
        await page.EvaluateAsync("document.querySelectorAll('fieldset[disabled]').forEach(f => f.removeAttribute('disabled'))");
        await page.GetByLabel("Max", new() { Exact = true }).FillAsync("9");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-outcome=Forbidden]")).ToContainTextAsync("may read but not change");

        await page.GotoAsync("/concurrency/new");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();

        await page.GotoAsync("/warmup");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Run read-only-warmup now" })).ToBeDisabledAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Switch, new() { Name = "read-only-warmup enabled" })).ToBeDisabledAsync();

        var stored = await AgentApi.GetAsync(client, "/api/v1/concurrency-policies/read-only", SecuredDashboardSession.ReaderKey);
        Assert.Equal(1, stored["revision"]!.GetValue<long>());
        Assert.Equal(5, stored["max"]!.GetValue<int>());
        var warmup = await AgentApi.GetAsync(client, "/api/v1/warmup-policies/read-only-warmup", SecuredDashboardSession.ReaderKey);
        Assert.Equal(1, warmup["revision"]!.GetValue<long>());
        var runs = await AgentApi.GetAsync(client, "/api/v1/events?kind=warmup.run&function=hello", SecuredDashboardSession.ReaderKey);
        Assert.Empty(runs["events"]!.AsArray());
    }

    [SkippableFact]
    public async Task Signing_out_needs_a_confirmed_post_and_ends_the_session()
    {
        var page = await SignInAsync(SecuredDashboardSession.ReaderKey, "/");
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign out" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sign-in"));

        await page.GotoAsync("/");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sign-in\\?ReturnUrl=%2F$"));
    }

    private async Task<IPage> SignInAsync(string key, string returnUrl)
    {
        var page = await session.OpenAsync($"/sign-in?ReturnUrl={Uri.EscapeDataString(returnUrl)}");
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/sign-in"));
        return page;
    }
}
