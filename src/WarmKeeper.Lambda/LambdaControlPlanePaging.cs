using System.Runtime.CompilerServices;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Lambda;

/// <summary>Follows <c>NextMarker</c> across pages, so callers see one stream of items.</summary>
public static class LambdaControlPlanePaging
{
    public static async IAsyncEnumerable<FunctionConfiguration> ListAllFunctionsAsync(
        this ILambdaControlPlane lambda,
        int? pageSize = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? marker = null;
        do
        {
            var page = await lambda.ListFunctionsAsync(marker, pageSize, cancellationToken).ConfigureAwait(false);
            foreach (var function in page.Functions)
            {
                yield return function;
            }

            marker = NextMarker(marker, page.NextMarker);
        }
        while (marker is not null);
    }

    public static async IAsyncEnumerable<FunctionConfiguration> ListAllVersionsByFunctionAsync(
        this ILambdaControlPlane lambda,
        string functionName,
        int? pageSize = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? marker = null;
        do
        {
            var page = await lambda.ListVersionsByFunctionAsync(functionName, marker, pageSize, cancellationToken).ConfigureAwait(false);
            foreach (var version in page.Versions)
            {
                yield return version;
            }

            marker = NextMarker(marker, page.NextMarker);
        }
        while (marker is not null);
    }

    public static async IAsyncEnumerable<AliasConfiguration> ListAllAliasesAsync(
        this ILambdaControlPlane lambda,
        string functionName,
        string? functionVersion = null,
        int? pageSize = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? marker = null;
        do
        {
            var page = await lambda.ListAliasesAsync(functionName, functionVersion, marker, pageSize, cancellationToken).ConfigureAwait(false);
            foreach (var alias in page.Aliases)
            {
                yield return alias;
            }

            marker = NextMarker(marker, page.NextMarker);
        }
        while (marker is not null);
    }

    public static async IAsyncEnumerable<ProvisionedConcurrencyConfigListItem> ListAllProvisionedConcurrencyConfigsAsync(
        this ILambdaControlPlane lambda,
        string functionName,
        int? pageSize = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? marker = null;
        do
        {
            var page = await lambda.ListProvisionedConcurrencyConfigsAsync(functionName, marker, pageSize, cancellationToken).ConfigureAwait(false);
            foreach (var config in page.ProvisionedConcurrencyConfigs)
            {
                yield return config;
            }

            marker = NextMarker(marker, page.NextMarker);
        }
        while (marker is not null);
    }

    /// <summary>An empty marker ends the listing; a marker that repeats would loop forever, so it is an error.</summary>
    private static string? NextMarker(string? previous, string? next)
    {
        if (string.IsNullOrEmpty(next))
        {
            return null;
        }

        if (string.Equals(previous, next, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The service returned the same NextMarker '{next}' twice; stopping to avoid an endless listing.");
        }

        return next;
    }
}
