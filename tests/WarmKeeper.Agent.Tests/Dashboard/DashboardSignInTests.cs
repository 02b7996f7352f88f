using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WarmKeeper.Agent.Security;
using WarmKeeper.Dashboard.Security;

namespace WarmKeeper.Agent.Tests.Dashboard;

/// <summary>The dashboard's sign-in over plain HTTP, as a browser (or an attacker) sends it: redirects, cookie, sessions.</summary>
public sealed partial class DashboardSignInTests
{
    private const string OpsKey = "ops-secret-key-for-sign-in";

    private static readonly string[] Keys =
    [
        $"--WarmKeeper:Api:Keys:ops:Hash={ApiKeyHashing.Hash(OpsKey)}",
        "--WarmKeeper:Api:Keys:ops:Scopes:0=read",
        "--WarmKeeper:Api:Keys:ops:Scopes:1=write",
    ];

    [Fact]
    public async Task Redirects_are_local_paths_whatever_the_Host_header_says()
    {
        await using var agent = await AgentHost.StartAsync(null, Keys);
        using var browser = new FormBrowser(agent.BaseAddress);

        using var challenge = await browser.GetAsync("/concurrency", host: "evil.example");
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        Assert.Equal("/sign-in?ReturnUrl=%2Fconcurrency", challenge.Headers.Location!.OriginalString);

        using var signedIn = await browser.SignInAsync(OpsKey, "/concurrency", host: "evil.example");
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/concurrency", signedIn.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("//evil.example/x")]
    [InlineData("/\\evil.example/x")]
    [InlineData("https://evil.example/x")]
    public async Task A_return_url_that_is_not_a_local_path_goes_to_the_overview(string returnUrl)
    {
        await using var agent = await AgentHost.StartAsync(null, Keys);
        using var browser = new FormBrowser(agent.BaseAddress);

        using var signedIn = await browser.SignInAsync(OpsKey, returnUrl);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/", signedIn.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task The_cookie_carries_a_random_session_id_and_never_the_key()
    {
        await using var agent = await AgentHost.StartAsync(null, Keys);
        using var browser = new FormBrowser(agent.BaseAddress);

        using var signedIn = await browser.SignInAsync(OpsKey, "/");
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var cookie = Assert.Single(browser.Cookies.GetCookies(agent.BaseAddress), c => c.Name == "warmkeeper.dashboard").Value;

        // Decrypted as the agent decrypts it: what someone holding the Data Protection keys would read.
        var ticket = agent.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>()
            .Get(DashboardSecurity.CookieScheme).TicketDataFormat.Unprotect(cookie);
        Assert.NotNull(ticket);
        Assert.DoesNotContain(ticket.Principal.Claims, c => c.Value.Contains(OpsKey, StringComparison.Ordinal));
        var session = ticket.Principal.FindFirst(DashboardSecurity.SessionClaim)!.Value;
        Assert.Equal(32, Convert.FromBase64String(session.Replace('-', '+').Replace('_', '/') + "=").Length);

        using var page = await browser.GetAsync("/concurrency");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task A_session_whose_key_was_removed_is_refused()
    {
        var data = Directory.CreateTempSubdirectory("warmkeeper-sessions-").FullName;
        var cookies = new CookieContainer();
        await using (var first = await AgentHost.StartAsync(data, Keys))
        {
            using var browser = new FormBrowser(first.BaseAddress, cookies);
            using var signedIn = await browser.SignInAsync(OpsKey, "/");
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            using var page = await browser.GetAsync("/concurrency");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        // Same data directory (so the same Data Protection keys read the cookie), the key gone from configuration.
        await using var second = await AgentHost.StartAsync(data,
            $"--WarmKeeper:Api:Keys:other:Hash={ApiKeyHashing.Hash("another-key")}", "--WarmKeeper:Api:Keys:other:Scopes:0=read");
        using var again = new FormBrowser(second.BaseAddress, cookies);
        Assert.NotEmpty(cookies.GetCookies(second.BaseAddress));
        using var refused = await again.GetAsync("/concurrency");
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.StartsWith("/sign-in", refused.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_sign_ins_beyond_the_allowance_are_answered_429_and_a_correct_key_still_signs_in()
    {
        await using var agent = await AgentHost.StartAsync(null, [.. Keys,
            "--WarmKeeper:Api:FailedAuthentication:Burst=2", "--WarmKeeper:Api:FailedAuthentication:PerMinute=1"]);
        using var browser = new FormBrowser(agent.BaseAddress);

        for (var i = 0; i < 2; i++)
        {
            using var wrong = await browser.SignInAsync("not-a-key", "/");
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains("not one of the agent", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var limited = await browser.SignInAsync("not-a-key", "/");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = limited.Headers.RetryAfter!.Delta!.Value;
        Assert.InRange(retryAfter.TotalSeconds, 1, 60);
        Assert.Contains($"try again in {retryAfter.TotalSeconds:0} s", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The REST API shares the allowance: the same address is beyond it there too.
        using var api = new HttpRequestMessage(HttpMethod.Get, "/api/v1/warmup-policies");
        api.Headers.Add("X-Api-Key", "still-not-a-key");
        using var apiAnswer = await agent.Client.SendAsync(api);
        Assert.Equal(HttpStatusCode.TooManyRequests, apiAnswer.StatusCode);

        using var signedIn = await browser.SignInAsync(OpsKey, "/");
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
    }

    /// <summary>An HTTP client that keeps cookies, follows no redirect and fills the sign-in form with its antiforgery token.</summary>
    internal sealed partial class FormBrowser(Uri baseAddress, CookieContainer? cookies = null) : IDisposable
    {
        private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ??= new CookieContainer() })
        {
            BaseAddress = baseAddress,
        };

        public CookieContainer Cookies { get; } = cookies!;

        public async Task<HttpResponseMessage> GetAsync(string path, string? host = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = host;
            return await _http.SendAsync(request);
        }

        public async Task<HttpResponseMessage> SignInAsync(string key, string returnUrl, string? host = null)
        {
            var path = $"/sign-in?ReturnUrl={Uri.EscapeDataString(returnUrl)}";
            using var form = await GetAsync(path, host);
            form.EnsureSuccessStatusCode();
            var token = AntiforgeryToken().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;
            using var request = new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["_handler"] = "sign-in",
                    ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
                    ["Input.Key"] = key,
                }),
            };
            request.Headers.Host = host;
            return await _http.SendAsync(request);
        }

        public void Dispose() => _http.Dispose();

        [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
        private static partial Regex AntiforgeryToken();
    }
}
