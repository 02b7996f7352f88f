using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace WarmKeeper.LocalRuntime.Functions.Process;

/// <summary>
/// One execution environment's Runtime API endpoint: a bare Kestrel server on 127.0.0.1 with a
/// free port, without the generic host (it starts in a few milliseconds and has no middleware on
/// the hot path). Runtime clients build URLs as <c>http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/…</c>
/// and some split host and port, so every environment needs its own host:port rather than a path prefix.
/// </summary>
internal sealed class RuntimeApiListener : IHttpApplication<HttpContext>, IAsyncDisposable
{
    private readonly KestrelServer _server;
    private readonly RequestDelegate _handler;
    private int _stopped;

    private RuntimeApiListener(KestrelServer server, RequestDelegate handler)
    {
        _server = server;
        _handler = handler;
    }

    /// <summary>The value for AWS_LAMBDA_RUNTIME_API.</summary>
    public string HostAndPort { get; private set; } = "";

    public static async Task<RuntimeApiListener> StartAsync(RequestDelegate handler, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var options = new KestrelServerOptions { AddServerHeader = false };
        // The handler enforces Lambda's own 6 MB response limit and answers with Lambda's error.
        options.Limits.MaxRequestBodySize = null;
        // `next` long-polls for as long as the environment is idle; the runtime holds the connection.
        options.Limits.KeepAliveTimeout = TimeSpan.FromDays(1);
        options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);

        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggerFactory);
        var server = new KestrelServer(Options.Create(options), transport, loggerFactory);
        var listener = new RuntimeApiListener(server, handler);
        try
        {
            await server.StartAsync(listener, cancellationToken);
        }
        catch
        {
            server.Dispose();
            throw;
        }

        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel did not report the Runtime API listener's address.");
        listener.HostAndPort = new Uri(address).Authority;
        return listener;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }
        // No graceful drain: the process on the other end is already gone or being killed.
        await _server.StopAsync(new CancellationToken(canceled: true));
        _server.Dispose();
    }

    HttpContext IHttpApplication<HttpContext>.CreateContext(IFeatureCollection contextFeatures)
    {
        // Kestrel keeps one context per connection for us; reuse it like the generic host does.
        if (contextFeatures is IHostContextContainer<HttpContext> container)
        {
            if (container.HostContext is DefaultHttpContext reused)
            {
                reused.Initialize(contextFeatures);
                return reused;
            }
            var created = new DefaultHttpContext(contextFeatures);
            container.HostContext = created;
            return created;
        }
        return new DefaultHttpContext(contextFeatures);
    }

    Task IHttpApplication<HttpContext>.ProcessRequestAsync(HttpContext context) => _handler(context);

    void IHttpApplication<HttpContext>.DisposeContext(HttpContext context, Exception? exception)
    {
        if (context is DefaultHttpContext pooled)
        {
            pooled.Uninitialize();
        }
    }
}
