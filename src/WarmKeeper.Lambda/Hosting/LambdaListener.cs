using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Lambda.Hosting;

/// <summary>
/// The Kestrel app under every Lambda REST listener of WarmKeeper (the local runtime's and the
/// invoke proxy's): one URL, the Lambda API at its root, and nothing of the process around it.
/// </summary>
public static class LambdaListener
{
    /// <summary>
    /// A slim app that listens on <paramref name="url"/> only. It is configured by its owner's options
    /// alone: no appsettings, no <c>ASPNETCORE_URLS</c>, no logging providers of its own, and Kestrel's
    /// body limit sits above Lambda's so that the operation, not Kestrel, refuses oversized payloads.
    /// </summary>
    /// <param name="sectionName">The configuration section the URL came from, for the error when its host does not resolve.</param>
    public static WebApplication Create(Uri url, string applicationName, string sectionName)
    {
        ArgumentNullException.ThrowIfNull(url);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ApplicationName = applicationName,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = LambdaLimits.ListenerBodyBytes;
            Listen(kestrel, url, sectionName);
        });
        return builder.Build();
    }

    /// <summary>Gives the request a fresh <c>x-amzn-RequestId</c>, which is also its <see cref="HttpContext.TraceIdentifier"/>, as Lambda does.</summary>
    public static void AssignRequestId(HttpContext ctx)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var requestId = Guid.NewGuid().ToString();
        ctx.TraceIdentifier = requestId;
        ctx.Response.Headers[LambdaHeaders.RequestId] = requestId;
    }

    /// <summary>Where a started app listens: <paramref name="url"/> with the port bound (the actual one when it was 0).</summary>
    public static Uri BaseAddress(WebApplication app, Uri url)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(url);
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new UriBuilder(url) { Port = bound.Port, Path = "/" }.Uri;
    }

    /// <summary>The 404 Lambda answers for an operation this listener does not serve.</summary>
    public static Task UnknownOperationAsync(HttpContext ctx, string? why = null)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        return LambdaErrorWriter.WriteAsync(ctx, new LambdaApiError(404, "UnknownOperationException",
            why + "Unknown operation " + ctx.Request.Method + " " + ctx.Request.Path), ctx.RequestAborted);
    }

    /// <summary>Binds <paramref name="url"/>; port 0 on <c>localhost</c> means loopback IPv4.</summary>
    private static void Listen(KestrelServerOptions kestrel, Uri url, string sectionName)
    {
        var host = url.Host.Trim('[', ']');
        var port = url.Port;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            // Kestrel refuses a dynamic port on "localhost" (two sockets); loopback IPv4 is what tests mean.
            if (port == 0)
            {
                kestrel.Listen(IPAddress.Loopback, 0);
            }
            else
            {
                kestrel.ListenLocalhost(port);
            }
        }
        else if (host is "*" or "+" or "0.0.0.0")
        {
            kestrel.ListenAnyIP(port);
        }
        else if (IPAddress.TryParse(host, out var ip))
        {
            kestrel.Listen(ip, port);
        }
        else
        {
            var resolved = Dns.GetHostAddresses(host);
            if (resolved.Length == 0)
            {
                throw new InvalidOperationException($"{sectionName}:Url host '{host}' does not resolve.");
            }

            kestrel.Listen(resolved[0], port);
        }
    }
}
