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
/// </summary>
public sealed class LambdaControlPlane : ILambdaControlPlane, IDisposable
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

        var headers = new KeyValuePair<string, string>[1 + (request.TailLog ? 1 : 0) + (string.IsNullOrEmpty(request.ClientContext) ? 0 : 1)];
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
            headers[^1] = new(LambdaHeaders.ClientContext, request.ClientContext);
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

    public Task<ProvisionedConcurrencyConfig> PutProvisionedConcurrencyConfigAsync(
        string functionName, string qualifier, int provisionedConcurrentExecutions, CancellationToken cancellationToken)
    {
        RequireName(functionName, nameof(functionName));
        RequireName(qualifier, nameof(qualifier));
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new PutProvisionedConcurrencyConfigRequest { ProvisionedConcurrentExecutions = provisionedConcurrentExecutions },
            LambdaJsonContext.Default.PutProvisionedConcurrencyConfigRequest);
        return SendAsync(
            "PutProvisionedConcurrencyConfig",
            new LambdaWireRequest(HttpMethod.Put, LambdaPaths.ProvisionedConcurrency, functionName, QueryOf(("Qualifier", qualifier)), null, body),
            LambdaJsonContext.Default.ProvisionedConcurrencyConfig,
            cancellationToken);
    }

    public Task<ProvisionedConcurrencyConfig> GetProvisionedConcurrencyConfigAsync(
        string functionName, string qualifier, CancellationToken cancellationToken)
    {
        RequireName(functionName, nameof(functionName));
        RequireName(qualifier, nameof(qualifier));
        return SendAsync(
            "GetProvisionedConcurrencyConfig",
            new LambdaWireRequest(HttpMethod.Get, LambdaPaths.ProvisionedConcurrency, functionName, QueryOf(("Qualifier", qualifier)), null, default),
            LambdaJsonContext.Default.ProvisionedConcurrencyConfig,
            cancellationToken);
    }

    public Task DeleteProvisionedConcurrencyConfigAsync(string functionName, string qualifier, CancellationToken cancellationToken)
    {
        RequireName(functionName, nameof(functionName));
        RequireName(qualifier, nameof(qualifier));
        return SendWithoutAnswerAsync(
            "DeleteProvisionedConcurrencyConfig",
            new LambdaWireRequest(HttpMethod.Delete, LambdaPaths.ProvisionedConcurrency, functionName, QueryOf(("Qualifier", qualifier)), null, default),
            cancellationToken);
    }

    public Task<ListProvisionedConcurrencyConfigsResponse> ListProvisionedConcurrencyConfigsAsync(
        string functionName, string? marker, int? maxItems, CancellationToken cancellationToken)
    {
        RequireName(functionName, nameof(functionName));
        return SendAsync(
            "ListProvisionedConcurrencyConfigs",
            new LambdaWireRequest(
                HttpMethod.Get,
                LambdaPaths.ProvisionedConcurrency,
                functionName,
                QueryOf(("List", "ALL"), ("Marker", marker), ("MaxItems", Format(maxItems))),
                null,
                default),
            LambdaJsonContext.Default.ListProvisionedConcurrencyConfigsResponse,
            cancellationToken);
    }

    public Task<Concurrency> PutFunctionConcurrencyAsync(string functionName, int reservedConcurrentExecutions, CancellationToken cancellationToken)
    {
        RequireName(functionName, nameof(functionName));
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new PutFunctionConcurrencyRequest { ReservedConcurrentExecutions = reservedConcurrentExecutions },
            LambdaJsonContext.Default.PutFunctionConcurrencyRequest);
        return SendAsync(
            "PutFunctionConcurrency",
            new LambdaWireRequest(HttpMethod.Put, LambdaPaths.PutOrDeleteFunctionConcurrency, functionName, null, null, body),
            LambdaJsonContext.Default.Concurrency,
            cancellationToken);
    }

    public Task<GetFunctionConcurrencyResponse> GetFunctionConcurrencyAsync(string functionName, CancellationToken cancellationToken)
    {
        RequireName(functionName, nameof(functionName));
        return SendAsync(
            "GetFunctionConcurrency",
            new LambdaWireRequest(HttpMethod.Get, LambdaPaths.GetFunctionConcurrency, functionName, null, null, default),
            LambdaJsonContext.Default.GetFunctionConcurrencyResponse,
            cancellationToken);
    }

    public Task DeleteFunctionConcurrencyAsync(string functionName, CancellationToken cancellationToken)
    {
        RequireName(functionName, nameof(functionName));
        return SendWithoutAnswerAsync(
            "DeleteFunctionConcurrency",
            new LambdaWireRequest(HttpMethod.Delete, LambdaPaths.PutOrDeleteFunctionConcurrency, functionName, null, null, default),
            cancellationToken);
    }

    public Task<GetAccountSettingsResponse> GetAccountSettingsAsync(CancellationToken cancellationToken) =>
        SendAsync(
            "GetAccountSettings",
            new LambdaWireRequest(HttpMethod.Get, LambdaPaths.AccountSettings, null, null, null, default),
            LambdaJsonContext.Default.GetAccountSettingsResponse,
            cancellationToken);

    public Task<ListFunctionsResponse> ListFunctionsAsync(string? marker, int? maxItems, CancellationToken cancellationToken) =>
        SendAsync(
            "ListFunctions",
            new LambdaWireRequest(HttpMethod.Get, LambdaPaths.ListFunctions, null, QueryOf(("Marker", marker), ("MaxItems", Format(maxItems))), null, default),
            LambdaJsonContext.Default.ListFunctionsResponse,
            cancellationToken);

    public Task<ListVersionsByFunctionResponse> ListVersionsByFunctionAsync(
        string functionName, string? marker, int? maxItems, CancellationToken cancellationToken)
    {
        RequireName(functionName, nameof(functionName));
        return SendAsync(
            "ListVersionsByFunction",
            new LambdaWireRequest(
                HttpMethod.Get, LambdaPaths.ListVersionsByFunction, functionName, QueryOf(("Marker", marker), ("MaxItems", Format(maxItems))), null, default),
            LambdaJsonContext.Default.ListVersionsByFunctionResponse,
            cancellationToken);
    }

    public Task<ListAliasesResponse> ListAliasesAsync(
        string functionName, string? functionVersion, string? marker, int? maxItems, CancellationToken cancellationToken)
    {
        RequireName(functionName, nameof(functionName));
        return SendAsync(
            "ListAliases",
            new LambdaWireRequest(
                HttpMethod.Get,
                LambdaPaths.ListAliases,
                functionName,
                QueryOf(("FunctionVersion", functionVersion), ("Marker", marker), ("MaxItems", Format(maxItems))),
                null,
                default),
            LambdaJsonContext.Default.ListAliasesResponse,
            cancellationToken);
    }

    public Task<GetFunctionResponse> GetFunctionAsync(string functionName, string? qualifier, CancellationToken cancellationToken)
    {
        RequireName(functionName, nameof(functionName));
        return SendAsync(
            "GetFunction",
            new LambdaWireRequest(HttpMethod.Get, LambdaPaths.GetFunction, functionName, QueryOf(("Qualifier", qualifier)), null, default),
            LambdaJsonContext.Default.GetFunctionResponse,
            cancellationToken);
    }

    public void Dispose()
    {
        _signer.Dispose();
        if (_ownsHttpClient)
        {
            _httpClient.Dispose();
        }
    }

    private async Task<T> SendAsync<T>(string operation, LambdaWireRequest wire, JsonTypeInfo<T> answerType, CancellationToken cancellationToken)
        where T : class
    {
        var context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        try
        {
            return await _pipelines.ControlPlane.ExecuteAsync(
                static async (ctx, s) =>
                {
                    using var response = await s.Owner.SendAttemptAsync(s.Operation, s.Wire, ctx.CancellationToken).ConfigureAwait(false);
                    return await s.Owner.ReadAnswerAsync(s.Operation, response, s.AnswerType, ctx.CancellationToken).ConfigureAwait(false);
                },
                context,
                new ControlPlaneQuery<T>(this, operation, wire, answerType)).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException ex)
        {
            throw TimedOut(operation, _requestTimeout, ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task SendWithoutAnswerAsync(string operation, LambdaWireRequest wire, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        try
        {
            await _pipelines.ControlPlane.ExecuteAsync(
                static async (ctx, s) =>
                {
                    using var response = await s.Owner.SendAttemptAsync(s.Operation, s.Wire, ctx.CancellationToken).ConfigureAwait(false);
                },
                context,
                new ControlPlaneCall(this, operation, wire)).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException ex)
        {
            throw TimedOut(operation, _requestTimeout, ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>One HTTP attempt: a freshly signed request (a retry must carry a new date and signature); non-2xx becomes an exception.</summary>
    private async Task<HttpResponseMessage> SendAttemptAsync(string operation, LambdaWireRequest wire, CancellationToken cancellationToken)
    {
        using var message = await _signer.CreateAsync(wire, cancellationToken).ConfigureAwait(false);
        var response = await _httpClient.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ReadErrorAsync(operation, response, cancellationToken).ConfigureAwait(false);
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

    private async ValueTask<T> ReadAnswerAsync<T>(string operation, HttpResponseMessage response, JsonTypeInfo<T> answerType, CancellationToken cancellationToken)
        where T : class
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                return await JsonSerializer.DeserializeAsync(stream, answerType, cancellationToken).ConfigureAwait(false)
                    ?? throw InvalidAnswer(operation, response, "an empty (null) body", null);
            }
            catch (JsonException ex)
            {
                throw InvalidAnswer(operation, response, $"a body that is not a {typeof(T).Name}", ex);
            }
        }
    }

    private async ValueTask<LambdaServiceException> ReadErrorAsync(string operation, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(response.Content, cancellationToken, MaxErrorBodyBytes).ConfigureAwait(false);
        var requestId = HeaderValue(response, LambdaHeaders.RequestId);
        var error = LambdaErrorMapper.Map(
            response.StatusCode,
            HeaderValue(response, LambdaHeaders.ErrorType),
            body.Span,
            requestId,
            LambdaErrorMapper.ParseRetryAfter(response.Headers.RetryAfter, _timeProvider.GetUtcNow()));
        LambdaLog.ServiceError(_logger, TargetName, operation, (int)response.StatusCode, error.ErrorType, requestId);
        return error;
    }

    /// <summary>Reads the body into one array of exactly its length when the length is announced (the usual case): no intermediate buffers.</summary>
    private static async ValueTask<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken, int limit = int.MaxValue)
    {
        if (content.Headers.ContentLength is { } length && length <= limit)
        {
            if (length == 0)
            {
                return ReadOnlyMemory<byte>.Empty;
            }

            var buffer = new byte[length];
            var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                return buffer.AsMemory(0, read);
            }
        }

        var all = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return all.Length > limit ? all.AsMemory(0, limit) : all;
    }

    private static string? HeaderValue(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private LambdaServiceException InvalidAnswer(string operation, HttpResponseMessage response, string what, Exception? inner) =>
        new(
            "InvalidResponseException",
            $"Lambda target '{TargetName}': {operation} answered {(int)response.StatusCode} with {what}.",
            response.StatusCode,
            HeaderValue(response, LambdaHeaders.RequestId),
            innerException: inner);

    private TimeoutException TimedOut(string operation, TimeSpan timeout, TimeoutRejectedException inner) =>
        new($"Lambda target '{TargetName}': {operation} got no answer within {timeout}.", inner);

    private static void RequireName(string? value, string parameterName)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"{parameterName} is required.", parameterName);
        }
    }

    private static string? Format(int? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static KeyValuePair<string, string>[]? QueryOf(params ReadOnlySpan<(string Key, string? Value)> parameters)
    {
        var count = 0;
        foreach (var (_, value) in parameters)
        {
            if (value is not null)
            {
                count++;
            }
        }

        if (count == 0)
        {
            return null;
        }

        var query = new KeyValuePair<string, string>[count];
        var i = 0;
        foreach (var (key, value) in parameters)
        {
            if (value is not null)
            {
                query[i++] = new(key, value);
            }
        }

        return query;
    }

    private sealed record ControlPlaneCall(LambdaControlPlane Owner, string Operation, LambdaWireRequest Wire);

    private sealed record ControlPlaneQuery<T>(LambdaControlPlane Owner, string Operation, LambdaWireRequest Wire, JsonTypeInfo<T> AnswerType);

    private sealed class InvokeAttempts(LambdaControlPlane owner, LambdaWireRequest wire)
    {
        public LambdaControlPlane Owner { get; } = owner;

        public LambdaWireRequest Wire { get; } = wire;

        public int Count { get; set; }
    }
}
