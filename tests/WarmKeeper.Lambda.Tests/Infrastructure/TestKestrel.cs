using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WarmKeeper.Lambda.Tests.Infrastructure;

/// <summary>A real Kestrel listener on 127.0.0.1 with a free port, answering with a test-supplied handler.</summary>
internal sealed class TestKestrel : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requestCount;

    private TestKestrel(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>How many requests reached the handler.</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>Method, raw target and selected headers of every request, in arrival order.</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public static async Task<TestKestrel> StartAsync(Func<HttpContext, int, Task> handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        TestKestrel? server = null;
        app.Run(async context =>
        {
            var number = Interlocked.Increment(ref server!._requestCount);
            var target = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? context.Request.Path;
            server.Requests.Enqueue(new RecordedRequest(
                context.Request.Method,
                target,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            await handler(context, number);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new TestKestrel(app, new Uri(address));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

internal sealed record RecordedRequest(string Method, string RawTarget, IReadOnlyDictionary<string, string> Headers);

internal static class LambdaAnswers
{
    public static async Task Json(HttpContext context, int status, string json, string? errorType = null, string? retryAfter = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-amzn-RequestId"] = "req-" + Guid.NewGuid().ToString("N");
        if (errorType is not null)
        {
            context.Response.Headers["x-amzn-ErrorType"] = errorType;
        }

        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        await context.Response.WriteAsync(json);
    }

    public static Task Error(HttpContext context, int status, string type, string message, string? reason = null, string? retryAfter = null) =>
        Json(
            context,
            status,
            System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string?> { ["Type"] = "User", ["message"] = message, ["Reason"] = reason }
                .Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value)),
            type,
            retryAfter);

    public const string AccountSettings =
        """{"AccountLimit":{"TotalCodeSize":80530636800,"CodeSizeUnzipped":262144000,"CodeSizeZipped":52428800,"ConcurrentExecutions":1000,"UnreservedConcurrentExecutions":900},"AccountUsage":{"TotalCodeSize":0,"FunctionCount":3}}""";
}
