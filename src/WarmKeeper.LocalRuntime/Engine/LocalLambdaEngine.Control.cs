using System.Globalization;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.LocalRuntime.Engine;

/// <summary>The control-plane reads of functions, versions and aliases (concurrency and tags have their own files).</summary>
public sealed partial class LocalLambdaEngine
{
    private const int DefaultPageSize = 50;

    public GetAccountSettingsResponse GetAccountSettings()
    {
        int sumReserved;
        lock (_gate)
        {
            sumReserved = _sumReserved;
        }

        return new GetAccountSettingsResponse
        {
            AccountLimit = new AccountLimit
            {
                TotalCodeSize = 80_530_636_800,
                CodeSizeUnzipped = 262_144_000,
                CodeSizeZipped = 52_428_800,
                ConcurrentExecutions = Options.AccountConcurrency,
                UnreservedConcurrentExecutions = Options.AccountConcurrency - sumReserved,
            },
            AccountUsage = new AccountUsage { TotalCodeSize = 0, FunctionCount = _functionList.Length },
        };
    }

    /// <param name="functionVersion">null for $LATEST only, <c>ALL</c> to list published versions too.</param>
    public ListFunctionsResponse ListFunctions(string? functionVersion, string? marker, int? maxItems)
    {
        var all = string.IsNullOrEmpty(functionVersion)
            ? false
            : functionVersion == "ALL"
                ? true
                : throw new LambdaApiException(LambdaApiError.InvalidParameter(
                    "1 validation error detected: Value '" + functionVersion + "' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]"));
        var items = new List<FunctionConfiguration>();
        foreach (var fn in _functionList)
        {
            var d = fn.Definition;
            items.Add(d.ToConfiguration(FunctionDefinition.Latest, all, Options.Region, Options.AccountId));
            if (all)
            {
                foreach (var v in d.PublishedVersions)
                {
                    items.Add(d.ToConfiguration(v, true, Options.Region, Options.AccountId));
                }
            }
        }

        var (page, next) = Paging.Page(items, marker, maxItems, DefaultPageSize);
        return new ListFunctionsResponse { Functions = page, NextMarker = next };
    }

    public GetFunctionResponse GetFunction(string functionName, string? qualifier)
    {
        var (fn, configuration) = ConfigurationOf(functionName, qualifier);
        var d = fn.Definition;
        int? reserved;
        lock (_gate)
        {
            reserved = fn.Reserved;
        }

        var tags = TagsOf(fn);
        return new GetFunctionResponse
        {
            Configuration = configuration,
            Code = new FunctionCodeLocation
            {
                RepositoryType = "S3",
                Location = "https://awslambda-" + Options.Region + "-tasks.s3." + Options.Region + ".amazonaws.com/snapshots/" + Options.AccountId + "/" + d.Name,
            },
            Tags = tags.Count == 0 ? null : tags,
            Concurrency = reserved is null ? null : new Concurrency { ReservedConcurrentExecutions = reserved },
        };
    }

    /// <summary>
    /// The configuration GetFunction carries, alone: what <c>aws lambda wait function-active</c> and
    /// <c>function-updated</c> poll (State Active, LastUpdateStatus Successful, as a deployed function says).
    /// </summary>
    public FunctionConfiguration GetFunctionConfiguration(string functionName, string? qualifier) =>
        ConfigurationOf(functionName, qualifier).Configuration;

    /// <summary>The function's configuration at <paramref name="qualifier"/>; the ARN carries the qualifier it was asked by, as Lambda's does.</summary>
    private (FunctionRuntime Fn, FunctionConfiguration Configuration) ConfigurationOf(string functionName, string? qualifier)
    {
        LambdaNames.RequireNamespacedFunctionName(functionName);
        if (qualifier is not null)
        {
            LambdaNames.RequireQualifier(qualifier);
        }

        var (fn, q, version) = Resolve(functionName, qualifier);
        var d = fn.Definition;
        var configuration = d.ToConfiguration(version, false, Options.Region, Options.AccountId);
        return (fn, q is null ? configuration : configuration with { FunctionArn = d.QualifiedArn(q) });
    }

    public ListVersionsByFunctionResponse ListVersionsByFunction(string functionName, string? marker, int? maxItems)
    {
        LambdaNames.RequireNamespacedFunctionName(functionName);
        var d = FindFunction(functionName).Definition;
        var items = new List<FunctionConfiguration>(d.PublishedVersions.Count + 1)
        {
            d.ToConfiguration(FunctionDefinition.Latest, true, Options.Region, Options.AccountId),
        };
        foreach (var v in d.PublishedVersions)
        {
            items.Add(d.ToConfiguration(v, true, Options.Region, Options.AccountId));
        }

        var (page, next) = Paging.Page(items, marker, maxItems, DefaultPageSize);
        return new ListVersionsByFunctionResponse { Versions = page, NextMarker = next };
    }

    public ListAliasesResponse ListAliases(string functionName, string? functionVersion, string? marker, int? maxItems)
    {
        LambdaNames.RequireFunctionName(functionName);
        if (functionVersion is not null)
        {
            LambdaNames.RequireVersion(functionVersion, "functionVersion");
        }

        var d = FindFunction(functionName).Definition;
        var items = new List<AliasConfiguration>(d.Aliases.Count);
        foreach (var (name, version) in d.Aliases)
        {
            if (string.IsNullOrEmpty(functionVersion) || functionVersion == version)
            {
                items.Add(AliasOf(d, name, version));
            }
        }

        var (page, next) = Paging.Page(items, marker, maxItems, DefaultPageSize);
        return new ListAliasesResponse { Aliases = page, NextMarker = next };
    }

    public AliasConfiguration GetAlias(string functionName, string aliasName)
    {
        LambdaNames.RequireFunctionName(functionName);
        LambdaNames.RequireAlias(aliasName);
        var d = FindFunction(functionName).Definition;
        return d.Aliases.TryGetValue(aliasName, out var version)
            ? AliasOf(d, aliasName, version)
            : throw new LambdaApiException(new LambdaApiError(404, LambdaErrorTypes.ResourceNotFound, "Cannot find alias arn: " + d.QualifiedArn(aliasName)));
    }

    private static AliasConfiguration AliasOf(FunctionDefinition d, string name, string version) => new()
    {
        AliasArn = d.QualifiedArn(name),
        Name = name,
        FunctionVersion = version,
        Description = string.Empty,
        RevisionId = d.RevisionId,
    };

    private (FunctionRuntime Fn, string? Qualifier, string Version) Resolve(string functionName, string? qualifier)
    {
        if (!TryResolve(functionName, qualifier, out var fn, out var q, out var version, out var error))
        {
            throw new LambdaApiException(error);
        }

        return (fn, q, version);
    }
}
