using WarmKeeper.Lambda;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.LocalRuntime.Engine;

/// <summary>
/// <see cref="ILambdaControlPlane"/> straight onto the engine, for callers in the runtime's own
/// process: the same answers and the same exceptions as over HTTP (errors become the
/// <see cref="LambdaServiceException"/> a client would have read off the wire), without a socket,
/// serialization or signing. Nothing is retried: nothing can fail on the way.
/// </summary>
public sealed class InProcessLambdaControlPlane(LocalLambdaEngine engine, string targetName) : ILambdaControlPlane
{
    public string TargetName { get; } = targetName;

    public async Task<InvokeResult> InvokeAsync(InvokeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var result = await engine.InvokeAsync(new LocalInvokeRequest(
            request.FunctionName,
            request.Qualifier,
            request.InvocationType switch
            {
                LambdaInvocationType.Event => InvocationTypes.Event,
                LambdaInvocationType.DryRun => InvocationTypes.DryRun,
                _ => InvocationTypes.RequestResponse,
            },
            request.Payload,
            request.TailLog,
            request.ClientContext,
            PingProof: request.PingProof), cancellationToken).ConfigureAwait(false);
        if (result.Error is { } error)
        {
            throw LambdaErrorMapper.Map(error, result.RequestId);
        }

        var ok = result.StatusCode == 200;
        var answer = new InvokeResult
        {
            StatusCode = result.StatusCode,
            // The HTTP API sends a body, and the executed version, only with a 200.
            Payload = ok ? result.Payload : ReadOnlyMemory<byte>.Empty,
            ExecutedVersion = ok ? result.ExecutedVersion : null,
            FunctionError = result.FunctionError,
            RequestId = result.RequestId,
            LogResult = result.LogResult,
            EnvironmentId = result.EnvironmentId,
        };
        return answer.LogResult is null ? answer : answer with { Report = InvocationReport.Parse(answer.Log) };
    }

    public Task<ProvisionedConcurrencyConfig> PutProvisionedConcurrencyConfigAsync(
        string functionName, string qualifier, int provisionedConcurrentExecutions, CancellationToken cancellationToken) =>
        Run(() => engine.PutProvisionedConcurrencyConfig(functionName, qualifier, provisionedConcurrentExecutions));

    public Task<ProvisionedConcurrencyConfig> GetProvisionedConcurrencyConfigAsync(string functionName, string qualifier, CancellationToken cancellationToken) =>
        Run(() => engine.GetProvisionedConcurrencyConfig(functionName, qualifier));

    public Task DeleteProvisionedConcurrencyConfigAsync(string functionName, string qualifier, CancellationToken cancellationToken) =>
        Run(() => engine.DeleteProvisionedConcurrencyConfig(functionName, qualifier));

    public Task<ListProvisionedConcurrencyConfigsResponse> ListProvisionedConcurrencyConfigsAsync(
        string functionName, string? marker, int? maxItems, CancellationToken cancellationToken) =>
        Run(() => engine.ListProvisionedConcurrencyConfigs(functionName, marker, maxItems));

    public Task<Concurrency> PutFunctionConcurrencyAsync(string functionName, int reservedConcurrentExecutions, CancellationToken cancellationToken) =>
        Run(() => engine.PutFunctionConcurrency(functionName, reservedConcurrentExecutions));

    public Task<GetFunctionConcurrencyResponse> GetFunctionConcurrencyAsync(string functionName, CancellationToken cancellationToken) =>
        Run(() => engine.GetFunctionConcurrency(functionName));

    public Task DeleteFunctionConcurrencyAsync(string functionName, CancellationToken cancellationToken) =>
        Run(() => engine.DeleteFunctionConcurrency(functionName));

    public Task<GetAccountSettingsResponse> GetAccountSettingsAsync(CancellationToken cancellationToken) =>
        Run(engine.GetAccountSettings);

    public Task<ListFunctionsResponse> ListFunctionsAsync(string? marker, int? maxItems, CancellationToken cancellationToken) =>
        Run(() => engine.ListFunctions(null, marker, maxItems));

    public Task<ListVersionsByFunctionResponse> ListVersionsByFunctionAsync(string functionName, string? marker, int? maxItems, CancellationToken cancellationToken) =>
        Run(() => engine.ListVersionsByFunction(functionName, marker, maxItems));

    public Task<ListAliasesResponse> ListAliasesAsync(string functionName, string? functionVersion, string? marker, int? maxItems, CancellationToken cancellationToken) =>
        Run(() => engine.ListAliases(functionName, functionVersion, marker, maxItems));

    public Task<GetFunctionResponse> GetFunctionAsync(string functionName, string? qualifier, CancellationToken cancellationToken) =>
        Run(() => engine.GetFunction(functionName, qualifier));

    public Task<FunctionConfiguration> GetFunctionConfigurationAsync(string functionName, string? qualifier, CancellationToken cancellationToken) =>
        Run(() => engine.GetFunctionConfiguration(functionName, qualifier));

    public Task<ListTagsResponse> ListTagsAsync(string functionArn, CancellationToken cancellationToken) =>
        Run(() => engine.ListTags(functionArn));

    private static Task<T> Run<T>(Func<T> operation)
    {
        try
        {
            return Task.FromResult(operation());
        }
        catch (LambdaApiException e)
        {
            return Task.FromException<T>(LambdaErrorMapper.Map(e.Error, requestId: null));
        }
    }

    private static Task Run(Action operation)
    {
        try
        {
            operation();
            return Task.CompletedTask;
        }
        catch (LambdaApiException e)
        {
            return Task.FromException(LambdaErrorMapper.Map(e.Error, requestId: null));
        }
    }
}
