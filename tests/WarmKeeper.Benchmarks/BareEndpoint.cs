using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WarmKeeper.Benchmarks;

/// <summary>
/// The floor a local Lambda API is judged against: Kestrel on loopback with one POST route that
/// returns the request's bytes (what the Echo function returns), built the way the local runtime
/// builds its own listener (slim builder, no configuration sources, no logging).
/// </summary>
internal sealed class BareEndpoint : IAsyncDisposable
{
    public const string Path = "/echo";

    private readonly WebApplication _app;

    private BareEndpoint(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The echo route's absolute address.</summary>
    public Uri Address { get; }

    public static async Task<BareEndpoint> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        app.MapPost(Path, static async context =>
        {
            var length = (int)(context.Request.ContentLength ?? 0);
            var body = new byte[length];
            await context.Request.Body.ReadExactlyAsync(body, context.RequestAborted);
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = length;
            await context.Response.BodyWriter.WriteAsync(body, context.RequestAborted);
        });
        await app.StartAsync(cancellationToken);
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new BareEndpoint(app, new Uri(bound, Path));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
