using System.Text.Json.Serialization;

namespace WarmKeeper.Lambda.Wire;

// The records below mirror the shapes of the Lambda service model
// (botocore/data/lambda/2015-03-31/service-2.json). Property names are the wire names (PascalCase);
// optional members are nullable and omitted when null, as the service omits them.

public sealed record AccountLimit
{
    public long TotalCodeSize { get; init; }
    public long CodeSizeUnzipped { get; init; }
    public long CodeSizeZipped { get; init; }
    public int ConcurrentExecutions { get; init; }
    public int UnreservedConcurrentExecutions { get; init; }
}

public sealed record AccountUsage
{
    public long TotalCodeSize { get; init; }
    public long FunctionCount { get; init; }
}

public sealed record GetAccountSettingsResponse
{
    public required AccountLimit AccountLimit { get; init; }
    public required AccountUsage AccountUsage { get; init; }
}

public sealed record EnvironmentResponse
{
    public IReadOnlyDictionary<string, string>? Variables { get; init; }
}

public sealed record FunctionConfiguration
{
    public required string FunctionName { get; init; }
    public required string FunctionArn { get; init; }
    public string? Runtime { get; init; }
    public string? Role { get; init; }
    public string? Handler { get; init; }
    public long CodeSize { get; init; }
    public string? Description { get; init; }
    public int Timeout { get; init; }
    public int MemorySize { get; init; }
    /// <summary>ISO 8601 with offset, as Lambda formats it: <c>2026-11-27T07:00:00.000+0000</c>.</summary>
    public string? LastModified { get; init; }
    public string? CodeSha256 { get; init; }
    public required string Version { get; init; }
    public string? RevisionId { get; init; }
    public EnvironmentResponse? Environment { get; init; }
    public string? State { get; init; }
    public string? LastUpdateStatus { get; init; }
    public string? PackageType { get; init; }
    public IReadOnlyList<string>? Architectures { get; init; }
}

public sealed record ListFunctionsResponse
{
    public string? NextMarker { get; init; }
    public required IReadOnlyList<FunctionConfiguration> Functions { get; init; }
}

public sealed record ListVersionsByFunctionResponse
{
    public string? NextMarker { get; init; }
    public required IReadOnlyList<FunctionConfiguration> Versions { get; init; }
}

public sealed record AliasConfiguration
{
    public required string AliasArn { get; init; }
    public required string Name { get; init; }
    public required string FunctionVersion { get; init; }
    public string? Description { get; init; }
    public string? RevisionId { get; init; }
}

public sealed record ListAliasesResponse
{
    public string? NextMarker { get; init; }
    public required IReadOnlyList<AliasConfiguration> Aliases { get; init; }
}

public sealed record FunctionCodeLocation
{
    public string? RepositoryType { get; init; }
    public string? Location { get; init; }
}

public sealed record Concurrency
{
    public int? ReservedConcurrentExecutions { get; init; }
}

public sealed record GetFunctionResponse
{
    public required FunctionConfiguration Configuration { get; init; }
    public FunctionCodeLocation? Code { get; init; }
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
    public Concurrency? Concurrency { get; init; }
}

public sealed record ListTagsResponse
{
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
}

/// <summary>The body of TagResource (<c>POST /2017-03-31/tags/{ARN}</c>).</summary>
public sealed record TagResourceRequest
{
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
}

public sealed record PutFunctionConcurrencyRequest
{
    public int? ReservedConcurrentExecutions { get; init; }
}

public sealed record GetFunctionConcurrencyResponse
{
    public int? ReservedConcurrentExecutions { get; init; }
}

public sealed record PutProvisionedConcurrencyConfigRequest
{
    public int? ProvisionedConcurrentExecutions { get; init; }
}

public static class ProvisionedConcurrencyStatus
{
    public const string InProgress = "IN_PROGRESS";
    public const string Ready = "READY";
    public const string Failed = "FAILED";
}

/// <summary>The body of Put/GetProvisionedConcurrencyConfig answers.</summary>
public sealed record ProvisionedConcurrencyConfig
{
    public int RequestedProvisionedConcurrentExecutions { get; init; }
    public int AvailableProvisionedConcurrentExecutions { get; init; }
    public int AllocatedProvisionedConcurrentExecutions { get; init; }
    public required string Status { get; init; }
    public string? StatusReason { get; init; }
    public string? LastModified { get; init; }
}

public sealed record ProvisionedConcurrencyConfigListItem
{
    public required string FunctionArn { get; init; }
    public int RequestedProvisionedConcurrentExecutions { get; init; }
    public int AvailableProvisionedConcurrentExecutions { get; init; }
    public int AllocatedProvisionedConcurrentExecutions { get; init; }
    public required string Status { get; init; }
    public string? StatusReason { get; init; }
    public string? LastModified { get; init; }
}

public sealed record ListProvisionedConcurrencyConfigsResponse
{
    public required IReadOnlyList<ProvisionedConcurrencyConfigListItem> ProvisionedConcurrencyConfigs { get; init; }
    public string? NextMarker { get; init; }
}

/// <summary>
/// The JSON body of every Lambda error. The service spells the message <c>message</c> for most
/// errors and <c>Message</c> for a few (ResourceNotFoundException, ServiceException); we write
/// both spellings' reader-friendly form: <c>Type</c>, <c>message</c>, and <c>Reason</c> for throttles.
/// </summary>
public sealed record LambdaErrorBody
{
    public string? Type { get; init; }

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    [JsonPropertyName("Message")]
    public string? MessageCapitalized { get; init; }

    public string? Reason { get; init; }
}

/// <summary>Header names and values of the Invoke operation.</summary>
public static class LambdaHeaders
{
    public const string InvocationType = "X-Amz-Invocation-Type";
    public const string LogType = "X-Amz-Log-Type";
    public const string LogResult = "X-Amz-Log-Result";
    public const string FunctionError = "X-Amz-Function-Error";
    public const string ExecutedVersion = "X-Amz-Executed-Version";
    public const string ClientContext = "X-Amz-Client-Context";
    public const string RequestId = "x-amzn-RequestId";
    public const string ErrorType = "x-amzn-ErrorType";
    public const string RetryAfter = "Retry-After";
}

public static class InvocationTypes
{
    public const string RequestResponse = "RequestResponse";
    public const string Event = "Event";
    public const string DryRun = "DryRun";
}

/// <summary>Error type names as Lambda returns them in <c>x-amzn-ErrorType</c> and <c>Type</c>.</summary>
public static class LambdaErrorTypes
{
    public const string ResourceNotFound = "ResourceNotFoundException";
    public const string InvalidParameterValue = "InvalidParameterValueException";
    public const string InvalidRequestContent = "InvalidRequestContentException";
    public const string RequestTooLarge = "RequestTooLargeException";
    public const string TooManyRequests = "TooManyRequestsException";
    public const string ResourceConflict = "ResourceConflictException";
    public const string ProvisionedConcurrencyConfigNotFound = "ProvisionedConcurrencyConfigNotFoundException";
    public const string Service = "ServiceException";
    public const string InvalidSignature = "InvalidSignatureException";
    public const string UnrecognizedClient = "UnrecognizedClientException";
    public const string MissingAuthenticationToken = "MissingAuthenticationTokenException";
    public const string IncompleteSignature = "IncompleteSignatureException";
    public const string ExpiredToken = "ExpiredTokenException";
    public const string AccessDenied = "AccessDeniedException";
}

public static class ThrottleReasons
{
    public const string ConcurrentInvocationLimitExceeded = "ConcurrentInvocationLimitExceeded";
    public const string ReservedFunctionConcurrentInvocationLimitExceeded = "ReservedFunctionConcurrentInvocationLimitExceeded";
    public const string FunctionInvocationRateLimitExceeded = "FunctionInvocationRateLimitExceeded";
    public const string ReservedFunctionInvocationRateLimitExceeded = "ReservedFunctionInvocationRateLimitExceeded";
    public const string CallerRateLimitExceeded = "CallerRateLimitExceeded";
}

/// <summary>URL paths of the operations WarmKeeper speaks (the service's requestUri templates).</summary>
public static class LambdaPaths
{
    public const string Invoke = "/2015-03-31/functions/{FunctionName}/invocations";
    public const string ListFunctions = "/2015-03-31/functions/";
    public const string GetFunction = "/2015-03-31/functions/{FunctionName}";
    public const string GetFunctionConfiguration = "/2015-03-31/functions/{FunctionName}/configuration";
    public const string ListVersionsByFunction = "/2015-03-31/functions/{FunctionName}/versions";
    public const string ListAliases = "/2015-03-31/functions/{FunctionName}/aliases";
    public const string GetAlias = "/2015-03-31/functions/{FunctionName}/aliases/{Name}";
    public const string AccountSettings = "/2016-08-19/account-settings/";
    public const string PutOrDeleteFunctionConcurrency = "/2017-10-31/functions/{FunctionName}/concurrency";
    public const string GetFunctionConcurrency = "/2019-09-30/functions/{FunctionName}/concurrency";
    public const string ProvisionedConcurrency = "/2019-09-30/functions/{FunctionName}/provisioned-concurrency";
    public const string Tags = "/2017-03-31/tags/{ARN}";
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GetAccountSettingsResponse))]
[JsonSerializable(typeof(FunctionConfiguration))]
[JsonSerializable(typeof(ListFunctionsResponse))]
[JsonSerializable(typeof(ListVersionsByFunctionResponse))]
[JsonSerializable(typeof(AliasConfiguration))]
[JsonSerializable(typeof(ListAliasesResponse))]
[JsonSerializable(typeof(GetFunctionResponse))]
[JsonSerializable(typeof(Concurrency))]
[JsonSerializable(typeof(ListTagsResponse))]
[JsonSerializable(typeof(TagResourceRequest))]
[JsonSerializable(typeof(PutFunctionConcurrencyRequest))]
[JsonSerializable(typeof(GetFunctionConcurrencyResponse))]
[JsonSerializable(typeof(PutProvisionedConcurrencyConfigRequest))]
[JsonSerializable(typeof(ProvisionedConcurrencyConfig))]
[JsonSerializable(typeof(ListProvisionedConcurrencyConfigsResponse))]
[JsonSerializable(typeof(LambdaErrorBody))]
public sealed partial class LambdaJsonContext : JsonSerializerContext;
