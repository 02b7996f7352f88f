using WarmKeeper.Lambda.Signing;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Lambda;

/// <summary>Reads of functions, their versions, aliases, configuration and tags.</summary>
public sealed partial class LambdaControlPlane
{
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

    public Task<FunctionConfiguration> GetFunctionConfigurationAsync(string functionName, string? qualifier, CancellationToken cancellationToken)
    {
        RequireName(functionName, nameof(functionName));
        return SendAsync(
            "GetFunctionConfiguration",
            new LambdaWireRequest(HttpMethod.Get, LambdaPaths.GetFunctionConfiguration, functionName, QueryOf(("Qualifier", qualifier)), null, default),
            LambdaJsonContext.Default.FunctionConfiguration,
            cancellationToken);
    }

    public Task<ListTagsResponse> ListTagsAsync(string functionArn, CancellationToken cancellationToken)
    {
        RequireName(functionArn, nameof(functionArn));
        return SendAsync(
            "ListTags",
            new LambdaWireRequest(HttpMethod.Get, LambdaPaths.Tags, functionArn, null, null, default),
            LambdaJsonContext.Default.ListTagsResponse,
            cancellationToken);
    }
}
