using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using WarmKeeper.Agent.Hosting;
using WarmKeeper.Agent.Security;
using WarmKeeper.Dashboard;
using WarmKeeper.Dashboard.Client;
using WarmKeeper.Dashboard.Security;

namespace WarmKeeper.Agent.Dashboard;

/// <summary>
/// The Blazor dashboard in the agent: interactive server rendering, a sign-in with an API key when keys
/// are configured (a cookie, never accepted by the REST API), the loopback rule when they are not.
/// </summary>
internal static class DashboardHosting
{
    public static IServiceCollection AddWarmKeeperDashboard(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        services.AddSingleton<AgentSelfAddress>();
        services.AddSingleton<IDashboardAccess, ApiKeyDashboardAccess>();
        services.AddHttpClient<IWarmKeeperClient, RestWarmKeeperClient>(RestWarmKeeperClient.HttpClientName, c => c.Timeout = TimeSpan.FromMinutes(5));

        // The sign-in cookie is encrypted with Data Protection keys kept beside the database, so a restart (or a new
        // container on the same data volume) does not sign everyone out.
        services.AddDataProtection().SetApplicationName("warmkeeper");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<AgentOptions>, ILoggerFactory>((o, agent, logs) =>
            o.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(DataProtectionKeysDirectory(agent.Value.DataDirectory)), logs));

        services.AddAuthentication()
            .AddCookie(DashboardSecurity.CookieScheme, o =>
            {
                o.Cookie.Name = "warmkeeper.dashboard";
                o.Cookie.HttpOnly = true;
                // Strict: the cookie never rides along on a request another site starts.
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.LoginPath = DashboardSecurity.SignInPath;
                o.LogoutPath = DashboardSecurity.SignOutPath;
                o.AccessDeniedPath = DashboardSecurity.AccessDeniedPath;
                o.Events.OnValidatePrincipal = RevalidateKeyAsync;
            })
            .AddPolicyScheme(DashboardSecurity.Scheme, "WarmKeeper dashboard user", o =>
                o.ForwardDefaultSelector = context => context.RequestServices.GetRequiredService<ApiKeyVerifier>().HasKeys
                    ? DashboardSecurity.CookieScheme
                    : ApiKeyAuthenticationHandler.SchemeName);
        services.AddAuthorizationBuilder()
            .AddPolicy(DashboardSecurity.ReadPolicy, p => p
                .AddAuthenticationSchemes(DashboardSecurity.Scheme)
                .RequireClaim(DashboardSecurity.ScopeClaim, DashboardSecurity.ReadScope, DashboardSecurity.WriteScope))
            .AddPolicy(DashboardSecurity.WritePolicy, p => p
                .AddAuthenticationSchemes(DashboardSecurity.Scheme)
                .RequireClaim(DashboardSecurity.ScopeClaim, DashboardSecurity.WriteScope));
        return services;
    }

    /// <summary>Where the dashboard's Data Protection keys live: <c>data-protection-keys</c> in the data directory.</summary>
    public static string DataProtectionKeysDirectory(string dataDirectory) =>
        Path.Combine(Path.GetFullPath(string.IsNullOrWhiteSpace(dataDirectory) ? "." : dataDirectory), "data-protection-keys");

    public static WebApplication MapWarmKeeperDashboard(this WebApplication app)
    {
        app.Use(AddSecurityHeaders);
        app.MapStaticAssets();
        // Every page, and the circuit's hub, needs the read policy; the sign-in page opts out.
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode()
            .RequireAuthorization(DashboardSecurity.ReadPolicy);
        return app;
    }

    /// <summary>A cookie outlives configuration: a key removed or changed since sign-in signs the person out.</summary>
    private static async Task RevalidateKeyAsync(CookieValidatePrincipalContext context)
    {
        var access = context.HttpContext.RequestServices.GetRequiredService<IDashboardAccess>();
        var key = context.Principal?.FindFirst(DashboardSecurity.ApiKeyClaim)?.Value;
        var identity = key is null ? null : access.Verify(key);
        var scopes = (context.Principal?.FindAll(DashboardSecurity.ScopeClaim) ?? []).Select(c => c.Value).Order(StringComparer.Ordinal);
        if (identity is null || identity.Name != context.Principal?.Identity?.Name
            || !identity.Scopes.Order(StringComparer.Ordinal).SequenceEqual(scopes, StringComparer.Ordinal))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(DashboardSecurity.CookieScheme);
        }
    }

    /// <summary>Dashboard pages may not be framed (clickjacking), load nothing from elsewhere and send no referrer.</summary>
    private static Task AddSecurityHeaders(HttpContext context, Func<Task> next)
    {
        context.Response.OnStarting(() =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is not null)
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy =
                    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
                    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
                headers.XFrameOptions = "DENY";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
            }

            return Task.CompletedTask;
        });
        return next();
    }
}
