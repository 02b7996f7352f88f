using System.Net;
using System.Text.RegularExpressions;
using WarmKeeper.Agent.Security;

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

    /// <summary>An HTTP client that keeps cookies, follows no redirect and fills the sign-in form with its antiforgery token.</summary>
    internal sealed partial class FormBrowser(Uri baseAddress) : IDisposable
    {
        private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        {
            BaseAddress = baseAddress,
        };

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
