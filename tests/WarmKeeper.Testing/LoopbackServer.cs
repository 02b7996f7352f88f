using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using WarmKeeper.Lambda.Hosting;

namespace WarmKeeper.Testing;

/// <summary>
/// A real Kestrel listener on 127.0.0.1 with a free port, for a test's or a benchmark's stand-in of a
/// remote service. It is built by <see cref="LambdaListener.Create"/>, the builder of the local
/// runtime's own listener (slim, no configuration sources, no logging), so that a benchmark floor
/// measured on it costs what the runtime's listener costs and nothing of the test process leaks in.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private static readonly Uri AnyLoopbackPort = new("http://127.0.0.1:0");
    private static readonly object RequestNumberKey = new();

    private readonly WebApplication _app;
    private int _requestCount;

    private LoopbackServer(WebApplication app) => _app = app;

    /// <summary>The listener's root, with the port it bound.</summary>
    public Uri BaseAddress { get; private set; } = AnyLoopbackPort;

    /// <summary>How many requests arrived (counted only when recording).</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>Method, raw target and headers of every request, in arrival order (kept only when recording).</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Answers every request with <paramref name="handler"/>, given the request's 1-based number; requests are recorded.</summary>
    public static Task<LoopbackServer> StartAsync(Func<HttpContext, int, Task> handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return StartAsync(app => app.Run(context => handler(context, (int)context.Items[RequestNumberKey]!)), record: true, cancellationToken);
    }

    /// <summary>
    /// Serves the routes <paramref name="map"/> adds. With <paramref name="record"/> false nothing runs
    /// before them (for a floor that is timed); otherwise every request is counted and recorded first.
    /// </summary>
    public static async Task<LoopbackServer> StartAsync(Action<WebApplication> map, bool record = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(map);
        var app = LambdaListener.Create(AnyLoopbackPort, typeof(LoopbackServer).FullName!, nameof(LoopbackServer));
        var server = new LoopbackServer(app);
        if (record)
        {
            app.Use((context, next) =>
            {
                context.Items[RequestNumberKey] = server.Record(context);
                return next(context);
            });
        }

        map(app);
        await app.StartAsync(cancellationToken);
        server.BaseAddress = LambdaListener.BaseAddress(app, AnyLoopbackPort);
        return server;
    }

    private int Record(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path;
        Requests.Enqueue(new RecordedRequest(
            context.Request.Method,
            target,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
        return Interlocked.Increment(ref _requestCount);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

/// <summary>One request as it reached a <see cref="LoopbackServer"/>.</summary>
public sealed record RecordedRequest(string Method, string RawTarget, IReadOnlyDictionary<string, string> Headers);
