using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Lambda;

/// <summary>
/// The Lambda operations WarmKeeper uses, against one target (an AWS account and region, the
/// built-in local runtime, or any Lambda-compatible endpoint). Service errors surface as
/// <see cref="LambdaServiceException"/> subtypes; a per-attempt timeout as <see cref="TimeoutException"/>;
/// an open circuit as <see cref="Polly.CircuitBreaker.BrokenCircuitException"/>.
/// Control-plane calls are retried on throttles, 5xx and transient network errors; Invoke only
/// when the request provably did not run.
/// </summary>
public interface ILambdaControlPlane
{
    /// <summary>The configured target name (<see cref="LambdaTargetOptions.Name"/>).</summary>
    string TargetName { get; }

    Task<InvokeResult> InvokeAsync(InvokeRequest request, CancellationToken cancellationToken);

    /// <summary>Sets provisioned concurrency on a version or alias (never <c>$LATEST</c>); answers 202 with status IN_PROGRESS.</summary>
    Task<ProvisionedConcurrencyConfig> PutProvisionedConcurrencyConfigAsync(
        string functionName, string qualifier, int provisionedConcurrentExecutions, CancellationToken cancellationToken);

    /// <exception cref="ProvisionedConcurrencyConfigNotFoundException">The qualifier has no config.</exception>
    Task<ProvisionedConcurrencyConfig> GetProvisionedConcurrencyConfigAsync(
        string functionName, string qualifier, CancellationToken cancellationToken);

    Task DeleteProvisionedConcurrencyConfigAsync(string functionName, string qualifier, CancellationToken cancellationToken);

    /// <summary>One page; see <see cref="LambdaControlPlanePaging.ListAllProvisionedConcurrencyConfigsAsync"/> for all.</summary>
    Task<ListProvisionedConcurrencyConfigsResponse> ListProvisionedConcurrencyConfigsAsync(
        string functionName, string? marker, int? maxItems, CancellationToken cancellationToken);

    /// <summary>Sets reserved concurrency; returns the value the service stored.</summary>
    Task<Concurrency> PutFunctionConcurrencyAsync(string functionName, int reservedConcurrentExecutions, CancellationToken cancellationToken);

    /// <summary>Reserved concurrency; <see cref="GetFunctionConcurrencyResponse.ReservedConcurrentExecutions"/> is null when none is reserved.</summary>
    Task<GetFunctionConcurrencyResponse> GetFunctionConcurrencyAsync(string functionName, CancellationToken cancellationToken);

    Task DeleteFunctionConcurrencyAsync(string functionName, CancellationToken cancellationToken);

    /// <summary>Account concurrency limit and the unreserved pool (the floor reserved concurrency may not break).</summary>
    Task<GetAccountSettingsResponse> GetAccountSettingsAsync(CancellationToken cancellationToken);

    /// <summary>One page; see <see cref="LambdaControlPlanePaging.ListAllFunctionsAsync"/> for all.</summary>
    Task<ListFunctionsResponse> ListFunctionsAsync(string? marker, int? maxItems, CancellationToken cancellationToken);

    Task<ListVersionsByFunctionResponse> ListVersionsByFunctionAsync(
        string functionName, string? marker, int? maxItems, CancellationToken cancellationToken);

    /// <param name="functionVersion">Only aliases pointing to this version; null for all.</param>
    Task<ListAliasesResponse> ListAliasesAsync(
        string functionName, string? functionVersion, string? marker, int? maxItems, CancellationToken cancellationToken);

    Task<GetFunctionResponse> GetFunctionAsync(string functionName, string? qualifier, CancellationToken cancellationToken);

    /// <summary>
    /// The configuration of the function, or of the version or alias <paramref name="qualifier"/>
    /// names: state, runtime, memory, timeout (GetFunction without the code location, tags and concurrency).
    /// </summary>
    Task<FunctionConfiguration> GetFunctionConfigurationAsync(string functionName, string? qualifier, CancellationToken cancellationToken);

    /// <summary>The function's tags; the empty map when it has none.</summary>
    /// <param name="functionArn">The function's unqualified ARN (Lambda tags functions, not versions or aliases).</param>
    Task<ListTagsResponse> ListTagsAsync(string functionArn, CancellationToken cancellationToken);
}
