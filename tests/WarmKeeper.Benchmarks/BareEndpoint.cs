using Microsoft.AspNetCore.Builder;
using WarmKeeper.Testing;

namespace WarmKeeper.Benchmarks;

/// <summary>
/// The floor a local Lambda API is judged against: Kestrel on loopback with one POST route that
/// returns the request's bytes (what the Echo function returns). <see cref="LoopbackServer"/> builds
/// it the way the local runtime builds its own listener (slim builder, no configuration sources, no
/// logging) and, unrecorded, runs nothing before the route, so the difference is the runtime's work.
/// </summary>
internal sealed class BareEndpoint : IAsyncDisposable
{
    public const string Path = "/echo";

    private readonly LoopbackServer _server;

    private BareEndpoint(LoopbackServer server)
    {
        _server = server;
        Address = new Uri(server.BaseAddress, Path);
    }

    /// <summary>The echo route's absolute address.</summary>
    public Uri Address { get; }

    public static async Task<BareEndpoint> StartAsync(CancellationToken cancellationToken)
    {
        var server = await LoopbackServer.StartAsync(
            app => app.MapPost(Path, static async context =>
            {
                var length = (int)(context.Request.ContentLength ?? 0);
                var body = new byte[length];
                await context.Request.Body.ReadExactlyAsync(body, context.RequestAborted);
                context.Response.ContentType = "application/json";
                context.Response.ContentLength = length;
                await context.Response.BodyWriter.WriteAsync(body, context.RequestAborted);
            }),
            record: false,
            cancellationToken);
        return new BareEndpoint(server);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
