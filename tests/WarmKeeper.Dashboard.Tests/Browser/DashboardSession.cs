using Microsoft.Playwright;
using WarmKeeper.Agent.Security;
using WarmKeeper.Testing;

namespace WarmKeeper.Dashboard.Tests.Browser;

/// <summary>
/// One real agent and one headless Chromium for a test class (a browser costs a second or two to
/// start; each test gets its own context, so cookies do not leak between tests).
/// </summary>
public class DashboardSession : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private string? _missing;

    static DashboardSession()
    {
        // The whole solution's tests share two cores: give a circuit time to answer before failing.
        Assertions.SetDefaultExpectTimeout(30_000);
    }

    public AgentHost Agent { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>Aliases of the demo function orders (all to version 1), so tests can each own a concurrency policy.</summary>
    public static readonly string[] OrdersAliases = ["blue", "green", "canary", "amber"];

    /// <summary>Configuration of the agent, beyond <see cref="AgentHost"/>'s defaults: by default the aliases of orders.</summary>
    protected virtual string[] AgentArguments => [.. OrdersAliases.Select(a => $"--WarmKeeper:LocalRuntime:Functions:orders:Aliases:{a}=1")];

    /// <summary>False for a session its tests will skip anyway: no agent, no browser.</summary>
    protected virtual bool Wanted => true;

    public async Task InitializeAsync()
    {
        if (!Wanted)
        {
            return;
        }

        Agent = await AgentHost.StartAsync(null, AgentArguments);
        var chromium = Chromium.Find();
        if (chromium is null)
        {
            _missing = $"Chromium is not installed (Debian package chromium, or set {Chromium.VariableName}).";
            return;
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh browser context (no cookies) on the agent, or skips the test when Chromium is missing.</summary>
    public async Task<IPage> OpenAsync(string path = "/")
    {
        RequireAll.SkipUnless(_missing is null, _missing ?? "");
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Agent.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(path);
        return page;
    }

    public async Task DisposeAsync()
    {
        if (_playwright is not null)
        {
            await Browser.DisposeAsync();
            _playwright.Dispose();
        }

        if (Agent is not null)
        {
            await Agent.DisposeAsync();
        }
    }
}

/// <summary>An agent with API keys: <c>reader</c> (read) and <c>ops</c> (read, write).</summary>
public sealed class SecuredDashboardSession : DashboardSession
{
    public const string ReaderKey = "reader-secret-key";
    public const string OpsKey = "ops-secret-key";

    protected override string[] AgentArguments =>
    [
        .. base.AgentArguments,
        $"--WarmKeeper:Api:Keys:reader:Hash={ApiKeyHashing.Hash(ReaderKey)}",
        "--WarmKeeper:Api:Keys:reader:Scopes:0=read",
        $"--WarmKeeper:Api:Keys:ops:Hash={ApiKeyHashing.Hash(OpsKey)}",
        "--WarmKeeper:Api:Keys:ops:Scopes:0=read",
        "--WarmKeeper:Api:Keys:ops:Scopes:1=write",
    ];
}
