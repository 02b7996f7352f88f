using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WarmKeeper.Core.Observations;
using WarmKeeper.Lambda.Hosting;
using WarmKeeper.Lambda.Wire;
using WarmKeeper.LocalRuntime.Engine;
using WarmKeeper.LocalRuntime.Functions;

namespace WarmKeeper.LocalRuntime.Hosting;

/// <summary>What a <see cref="LocalRuntimeServer"/> is built with; everything is optional.</summary>
public sealed record LocalRuntimeServerDependencies
{
    public ILoggerFactory? LoggerFactory { get; init; }
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>Creates handlers of <see cref="LocalHandlerKind.Process"/> functions (the Runtime API host).</summary>
    public IFunctionHandlerFactory? ProcessFunctions { get; init; }

    /// <summary>Verifies signatures when <see cref="LocalRuntimeOptions.Credentials"/> is set.</summary>
    public IRequestAuthenticator? Authenticator { get; init; }

    public IEnumerable<IInvocationObserver>? Observers { get; init; }
}

/// <summary>
/// The local runtime's own HTTP listener: the Lambda REST API at the root of <see cref="LocalRuntimeOptions.Url"/>.
/// </summary>
public sealed partial class LocalRuntimeServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsEngine;
    private int _disposed;

    private LocalRuntimeServer(WebApplication app, LocalLambdaEngine engine, Uri baseAddress, bool ownsEngine)
    {
        _app = app;
        Engine = engine;
        BaseAddress = baseAddress;
        _ownsEngine = ownsEngine;
    }

    /// <summary>Where the Lambda API listens (the actual port when the configured one was 0).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The execution-environment manager behind the API.</summary>
    public LocalLambdaEngine Engine { get; }

    /// <summary>Validates <paramref name="options"/>, builds an engine and starts listening.</summary>
    /// <exception cref="OptionsValidationException">The options are invalid; every problem is listed.</exception>
    public static async Task<LocalRuntimeServer> StartAsync(LocalRuntimeOptions options, LocalRuntimeServerDependencies? deps = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = LocalRuntimeOptionsValidator.Validate(options, LocalRuntimeOptions.SectionName);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(LocalRuntimeOptions.SectionName, typeof(LocalRuntimeOptions), errors);
        }

        deps ??= new LocalRuntimeServerDependencies();
        var time = deps.TimeProvider ?? TimeProvider.System;
        var engine = new LocalLambdaEngine(options, new FunctionHandlerFactory(deps.ProcessFunctions, time), time, deps.LoggerFactory, deps.Observers);
        try
        {
            return await StartCoreAsync(engine, deps.Authenticator, ownsEngine: true, ct);
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }
    }

    /// <summary>Serves an existing engine (the agent's, resolved from DI); the engine is not disposed with the server.</summary>
    public static Task<LocalRuntimeServer> StartAsync(LocalLambdaEngine engine, IRequestAuthenticator? authenticator = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        return StartCoreAsync(engine, authenticator, ownsEngine: false, ct);
    }

    private static async Task<LocalRuntimeServer> StartCoreAsync(LocalLambdaEngine engine, IRequestAuthenticator? authenticator, bool ownsEngine, CancellationToken ct)
    {
        var options = engine.Options;
        var url = new Uri(options.Url, UriKind.Absolute);
        var app = LambdaListener.Create(url, typeof(LocalRuntimeServer).Assembly.GetName().Name!, LocalRuntimeOptions.SectionName);
        var logger = (engine.LoggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger<LocalRuntimeServer>();
        var requireSignature = authenticator is not null && options.Credentials is not null;
        if (options.Credentials is not null && authenticator is null)
        {
            LogCredentialsWithoutAuthenticator(logger);
        }

        app.Use((ctx, next) =>
        {
            LambdaListener.AssignRequestId(ctx);
            var pending = next(ctx);
            return pending.IsCompletedSuccessfully ? Task.CompletedTask : AnswerFaultsAsync(pending, ctx, logger);
        });
        if (requireSignature)
        {
            app.Use((ctx, next) => AuthenticateAsync(ctx, next, authenticator!));
        }

        app.MapLambdaApi(engine);

        await app.StartAsync(ct);
        var baseAddress = LambdaListener.BaseAddress(app, url);
        // Functions get the bound address (port 0 becomes the real port) to call back into the runtime.
        engine.ServiceUrl = baseAddress;
        return new LocalRuntimeServer(app, engine, baseAddress, ownsEngine);
    }

    /// <summary>A bug in an operation still gets Lambda's 500 shape (ServiceException), not an empty Kestrel 500.</summary>
    private static async Task AnswerFaultsAsync(Task pending, HttpContext ctx, ILogger logger)
    {
        try
        {
            await pending;
        }
        catch (BadHttpRequestException ex) when (!ctx.Response.HasStarted)
        {
            // Kestrel's own limits (body size, malformed framing) still answer in Lambda's shape.
            ctx.Response.Clear();
            ctx.Response.Headers[LambdaHeaders.RequestId] = ctx.TraceIdentifier;
            await LambdaApiEndpoints.WriteErrorAsync(ctx, ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? new LambdaApiError(413, LambdaErrorTypes.RequestTooLarge, "Request must be smaller than " + LambdaLimits.ListenerBodyBytes + " bytes.")
                : new LambdaApiError(400, LambdaErrorTypes.InvalidRequestContent, ex.Message));
        }
        catch (Exception ex) when (!ctx.Response.HasStarted && !ctx.RequestAborted.IsCancellationRequested)
        {
            LogOperationFailed(logger, ctx.Request.Method, ctx.Request.Path.Value ?? string.Empty, ex);
            ctx.Response.Clear();
            ctx.Response.Headers[LambdaHeaders.RequestId] = ctx.TraceIdentifier;
            await LambdaApiEndpoints.WriteErrorAsync(ctx, new LambdaApiError(500, LambdaErrorTypes.Service, "The local runtime failed to handle the request: " + ex.Message));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WarmKeeper:LocalRuntime:Credentials is set but no IRequestAuthenticator is registered: requests are NOT verified")]
    private static partial void LogCredentialsWithoutAuthenticator(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Local runtime operation {Method} {Path} failed")]
    private static partial void LogOperationFailed(ILogger logger, string method, string path, Exception exception);

    private static async Task AuthenticateAsync(HttpContext ctx, RequestDelegate next, IRequestAuthenticator authenticator)
    {
        ctx.Request.EnableBuffering();
        var verdict = await authenticator.AuthenticateAsync(ctx.Request, ctx.RequestAborted);
        ctx.Request.Body.Position = 0;
        if (!verdict.Succeeded)
        {
            var response = ctx.Response;
            response.StatusCode = verdict.StatusCode;
            response.Headers[LambdaHeaders.ErrorType] = verdict.ErrorType ?? LambdaErrorTypes.InvalidSignature;
            response.ContentType = "application/json";
            await System.Text.Json.JsonSerializer.SerializeAsync(response.Body,
                new LambdaErrorBody { Message = verdict.Message ?? "The request signature we calculated does not match the signature you provided." },
                LambdaJsonContext.Default.LambdaErrorBody, ctx.RequestAborted);
            return;
        }

        await next(ctx);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            using var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(stopTimeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
            if (_ownsEngine)
            {
                await Engine.DisposeAsync();
            }
        }
    }
}
