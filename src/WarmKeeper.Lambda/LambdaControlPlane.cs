using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Timeout;
using WarmKeeper.Lambda.Resilience;
using WarmKeeper.Lambda.Signing;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Lambda;

/// <summary>
/// <see cref="ILambdaControlPlane"/> over one long-lived <see cref="HttpClient"/>, signing with
/// AWSSDK.Core and retrying through Polly. Thread-safe; create one per target and keep it.
/// Construction and Invoke here; the control-plane operations by subject in LambdaControlPlane.Concurrency
/// and .Functions, and the wire transport they share in .Transport.
/// </summary>
public sealed partial class LambdaControlPlane : ILambdaControlPlane, IDisposable
{
    private const int MaxErrorBodyBytes = 64 * 1024;

    private readonly HttpClient _httpClient;
    private readonly bool _ownsHttpClient;
    private readonly LambdaRequestSigner _signer;
    private readonly LambdaResiliencePipelines _pipelines;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeSpan _invokeTimeout;

    /// <summary>
    /// Uses <paramref name="httpClient"/> as is (its <see cref="HttpClient.Timeout"/> should be infinite:
    /// timeouts are applied per attempt from the options). Throws <see cref="Microsoft.Extensions.Options.OptionsValidationException"/>
    /// listing every problem of <paramref name="options"/>.
    /// </summary>
    /// <param name="credentials">Overrides the credentials of <paramref name="options"/> (e.g. from an <c>AWSOptions</c>).</param>
    public LambdaControlPlane(
        LambdaTargetOptions options,
        HttpClient httpClient,
        TimeProvider timeProvider,
        ILogger<LambdaControlPlane>? logger = null,
        AWSCredentials? credentials = null)
        : this(options, httpClient, ownsHttpClient: false, timeProvider, logger, credentials)
    {
    }

    private LambdaControlPlane(
        LambdaTargetOptions options,
        HttpClient httpClient,
        bool ownsHttpClient,
        TimeProvider timeProvider,
        ILogger? logger,
        AWSCredentials? credentials)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(timeProvider);
        LambdaTargetOptionsValidator.ThrowIfInvalid(options);

        TargetName = options.Name;
        _httpClient = httpClient;
        _ownsHttpClient = ownsHttpClient;
        _timeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
        _requestTimeout = options.RequestTimeout;
        _invokeTimeout = options.InvokeTimeout;
        _signer = new LambdaRequestSigner(options, credentials, timeProvider);
        _pipelines = new LambdaResiliencePipelines(options, timeProvider, _logger);
    }

    /// <summary>
    /// A control plane with its own pooled HTTP handler, for tests, benchmarks and tools without DI.
    /// Dispose it to release the connections.
    /// </summary>
    public static LambdaControlPlane Create(
        LambdaTargetOptions options,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        AWSCredentials? credentials = null,
        HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        LambdaTargetOptionsValidator.ThrowIfInvalid(options);
        var httpClient = new HttpClient(handler ?? CreatePrimaryHandler(options), disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        return new LambdaControlPlane(
            options, httpClient, ownsHttpClient: true, timeProvider ?? TimeProvider.System,
            loggerFactory?.CreateLogger<LambdaControlPlane>(), credentials);
    }

    /// <summary>
    /// The handler a target's HttpClient should use: pooled connections recycled every few minutes
    /// (so DNS changes are seen) and the configured connect timeout.
    /// </summary>
    public static SocketsHttpHandler CreatePrimaryHandler(LambdaTargetOptions options) => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        ConnectTimeout = options.ConnectTimeout,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
    };

    public string TargetName { get; }

    public async Task<InvokeResult> InvokeAsync(InvokeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireName(request.FunctionName, nameof(request.FunctionName));
        if (request.Qualifier is not null)
        {
            RequireName(request.Qualifier, nameof(request.Qualifier));
        }

        var proof = string.IsNullOrEmpty(request.PingProof) ? 0 : 1;
        var headers = new KeyValuePair<string, string>[1 + (request.TailLog ? 1 : 0) + (string.IsNullOrEmpty(request.ClientContext) ? 0 : 1) + proof];
        headers[0] = new(LambdaHeaders.InvocationType, request.InvocationType switch
        {
            LambdaInvocationType.Event => InvocationTypes.Event,
            LambdaInvocationType.DryRun => InvocationTypes.DryRun,
            _ => InvocationTypes.RequestResponse,
        });
        if (request.TailLog)
        {
            headers[1] = new(LambdaHeaders.LogType, "Tail");
        }

        if (!string.IsNullOrEmpty(request.ClientContext))
        {
            headers[^(1 + proof)] = new(LambdaHeaders.ClientContext, request.ClientContext);
        }

        if (proof == 1)
        {
            headers[^1] = new(WarmKeeperHeaders.Ping, request.PingProof!);
        }

        var wire = new LambdaWireRequest(
            HttpMethod.Post,
            LambdaPaths.Invoke,
            request.FunctionName,
            QueryOf(("Qualifier", request.Qualifier)),
            headers,
            request.Payload);

        var pipeline = request.RetryIfNotRun ? _pipelines.InvokeWithRetry : _pipelines.InvokeOnce;
        var context = ResilienceContextPool.Shared.Get("Invoke", cancellationToken);
        var state = new InvokeAttempts(this, wire);
        try
        {
            return await pipeline.ExecuteAsync(
                static (ctx, s) => s.Owner.InvokeAttemptAsync(s, ctx.CancellationToken),
                context,
                state).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException ex)
        {
            throw TimedOut("Invoke", _invokeTimeout, ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public void Dispose()
    {
        _signer.Dispose();
        if (_ownsHttpClient)
        {
            _httpClient.Dispose();
        }
    }

    private async ValueTask<InvokeResult> InvokeAttemptAsync(InvokeAttempts attempts, CancellationToken cancellationToken)
    {
        attempts.Count++;
        using var response = await SendAttemptAsync("Invoke", attempts.Wire, cancellationToken).ConfigureAwait(false);
        var payload = await ReadBodyAsync(response.Content, cancellationToken).ConfigureAwait(false);

        var result = new InvokeResult
        {
            StatusCode = (int)response.StatusCode,
            Payload = payload,
            FunctionError = HeaderValue(response, LambdaHeaders.FunctionError),
            ExecutedVersion = HeaderValue(response, LambdaHeaders.ExecutedVersion),
            RequestId = HeaderValue(response, LambdaHeaders.RequestId),
            LogResult = HeaderValue(response, LambdaHeaders.LogResult) is { Length: > 0 } log ? log : null,
            EnvironmentId = HeaderValue(response, WarmKeeperHeaders.EnvironmentId),
            Attempts = attempts.Count,
        };
        return result with { Report = InvocationReport.Parse(result.Log) };
    }

    private sealed class InvokeAttempts(LambdaControlPlane owner, LambdaWireRequest wire)
    {
        public LambdaControlPlane Owner { get; } = owner;

        public LambdaWireRequest Wire { get; } = wire;

        public int Count { get; set; }
    }
}
