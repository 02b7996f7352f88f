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
    public static IServiceCollection AddWarmKeeperDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddCascadingAuthenticationState();
        services.AddSingleton<AgentSelfAddress>();
        services.AddSingleton<DashboardSessions>();
        services.AddSingleton<IDashboardAccess, ApiKeyDashboardAccess>();
        services.AddHttpClient<IWarmKeeperClient, RestWarmKeeperClient>(RestWarmKeeperClient.HttpClientName, c => c.Timeout = TimeSpan.FromMinutes(5));

        // The sign-in cookie is encrypted with Data Protection keys kept beside the database, so a restart (or a new
        // container on the same data volume) does not sign everyone out.
        var dataProtection = services.AddDataProtection().SetApplicationName("warmkeeper");
        var certificateOptions = configuration.GetSection(DataProtectionCertificateOptions.SectionName).Get<DataProtectionCertificateOptions>() ?? new();
        try
        {
            if (KeyRingCertificate.Load(certificateOptions) is { } certificate)
            {
                // Keys are written encrypted to the certificate and read back with it.
                dataProtection.ProtectKeysWithCertificate(certificate);
            }
        }
        catch (InvalidOperationException)
        {
            // Reported, naming the setting, by the start-up validation of WarmKeeper:DataProtection, which stops the agent.
        }

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
                // The handler builds its redirects from the request's Host header; a client can send any Host, so only the path is sent.
                o.Events.OnRedirectToLogin = RedirectLocally;
                o.Events.OnRedirectToAccessDenied = RedirectLocally;
                o.Events.OnRedirectToLogout = RedirectLocally;
                o.Events.OnRedirectToReturnUrl = RedirectLocally;
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
        app.Use(KeepRedirectsLocal);
        app.MapStaticAssets();
        // Every page, and the circuit's hub, needs the read policy; the sign-in page opts out.
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode()
            .RequireAuthorization(DashboardSecurity.ReadPolicy);
        return app;
    }

    /// <summary>A cookie outlives its session: a session ended (sign-out, restart) or whose key was removed or changed signs the person out.</summary>
    private static async Task RevalidateKeyAsync(CookieValidatePrincipalContext context)
    {
        var access = context.HttpContext.RequestServices.GetRequiredService<IDashboardAccess>();
        var session = context.Principal?.FindFirst(DashboardSecurity.SessionClaim)?.Value;
        var identity = session is null ? null : access.Resolve(session);
        var scopes = (context.Principal?.FindAll(DashboardSecurity.ScopeClaim) ?? []).Select(c => c.Value).Order(StringComparer.Ordinal);
        if (identity is null || identity.Name != context.Principal?.Identity?.Name
            || !identity.Scopes.Order(StringComparer.Ordinal).SequenceEqual(scopes, StringComparer.Ordinal))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(DashboardSecurity.CookieScheme);
        }
    }

    private static Task RedirectLocally(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(LocalLocation(context.RedirectUri, context.Request));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Blazor's NavigationManager turns every navigation into an absolute URL on the request's Host header, which a client
    /// chooses: a redirect back to this agent is sent as its path alone, so no Host is ever reflected into a Location.
    /// </summary>
    private static Task KeepRedirectsLocal(HttpContext context, Func<Task> next)
    {
        context.Response.OnStarting(() =>
        {
            if (context.Response.StatusCode is >= 300 and < 400 && context.Response.Headers.Location.ToString() is { Length: > 0 } location)
            {
                context.Response.Headers.Location = LocalLocation(location, context.Request);
            }

            return Task.CompletedTask;
        });
        return next();
    }

    /// <summary>The path, query and fragment of a redirect to this agent (as built from the request's Host); anything else is left as it is.</summary>
    internal static string LocalLocation(string location, HttpRequest request) =>
        Uri.TryCreate(location, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        && string.Equals(uri.Host, request.Host.Host, StringComparison.OrdinalIgnoreCase)
            ? uri.PathAndQuery + uri.Fragment
            : location;

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
