using System.Text.Json;
using WarmKeeper.Lambda.Signing;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Lambda;

/// <summary>Provisioned and reserved concurrency, and the account limits they are checked against.</summary>
public sealed partial class LambdaControlPlane
{
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
}
