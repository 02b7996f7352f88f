using Microsoft.Extensions.Options;
using WarmKeeper.Lambda.Hosting;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Agent.Protection;

/// <summary>
/// The proxy's own listener (<see cref="ProxyOptions.Url"/>): the Lambda Invoke API at its root, so
/// an AWS SDK or the AWS CLI needs only an endpoint override. A separate Kestrel app keeps the agent's
/// middleware (API keys, problem details) off the invoke path.
/// </summary>
public sealed partial class InvokeProxyHost(
    IServiceProvider services,
    IOptions<ProxyOptions> options,
    ILogger<InvokeProxyHost> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>Where the proxy listens (the actual port when the configured one was 0); null when disabled or stopped.</summary>
    public Uri? BaseAddress { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            LogDisabled(logger);
            return;
        }

        var url = new Uri(o.Url, UriKind.Absolute);
        var app = LambdaListener.Create(url, typeof(InvokeProxyHost).Assembly.GetName().Name!, ProxyOptions.SectionName);
        var endpoint = services.GetRequiredService<InvokeProxyEndpoint>();
        app.Use(static (ctx, next) =>
        {
            LambdaListener.AssignRequestId(ctx);
            return next(ctx);
        });
        app.MapPost(LambdaPaths.Invoke, endpoint.InvokeAsync);
        app.MapFallback(static ctx => LambdaListener.UnknownOperationAsync(ctx,
            "The WarmKeeper invoke proxy serves Invoke only; send other Lambda operations to the target. "));

        await app.StartAsync(cancellationToken);
        _app = app;
        BaseAddress = LambdaListener.BaseAddress(app, url);
        LogListening(logger, BaseAddress, endpoint.Target);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            _app = null;
            BaseAddress = null;
            await app.StopAsync(cancellationToken);
            await app.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));

    [LoggerMessage(Level = LogLevel.Information, Message = "Invoke proxy listening on {BaseAddress}, forwarding to target {Target}")]
    private static partial void LogListening(ILogger logger, Uri baseAddress, string target);

    [LoggerMessage(Level = LogLevel.Information, Message = "Invoke proxy disabled (WarmKeeper:Proxy:Enabled=false)")]
    private static partial void LogDisabled(ILogger logger);
}
