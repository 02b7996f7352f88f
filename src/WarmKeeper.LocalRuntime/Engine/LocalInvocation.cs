using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.LocalRuntime.Engine;

/// <summary>An Invoke call as the engine receives it (the HTTP layer or an in-process caller).</summary>
/// <param name="FunctionName">A name, a full or partial ARN, or name:qualifier.</param>
/// <param name="Qualifier">The <c>Qualifier</c> query parameter, if any.</param>
/// <param name="InvocationType">RequestResponse (default), Event or DryRun.</param>
/// <param name="Payload">The event; empty means <c>{}</c>. Only read during the call (Event copies it).</param>
/// <param name="TailLog">X-Amz-Log-Type: Tail.</param>
/// <param name="ClientContext">X-Amz-Client-Context.</param>
/// <param name="RequestId">The request id to use (the HTTP layer's x-amzn-RequestId); a new one when null.</param>
/// <param name="PingProof">The <c>X-WarmKeeper-Ping</c> header: the agent's proof that this is its own warm-up ping.</param>
public sealed record LocalInvokeRequest(
    string FunctionName,
    string? Qualifier,
    string? InvocationType,
    ReadOnlyMemory<byte> Payload,
    bool TailLog = false,
    string? ClientContext = null,
    string? RequestId = null,
    string? PingProof = null);

/// <summary>The answer to an Invoke call.</summary>
public sealed record LocalInvokeResult
{
    public required string RequestId { get; init; }

    /// <summary>200, 202 or 204 on success; the error's status when <see cref="Error"/> is set.</summary>
    public required int StatusCode { get; init; }

    /// <summary>The function's response (or error document when <see cref="FunctionError"/> is set).</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>X-Amz-Function-Error: <c>Unhandled</c> or <c>Handled</c>.</summary>
    public string? FunctionError { get; init; }

    /// <summary>X-Amz-Executed-Version.</summary>
    public string? ExecutedVersion { get; init; }

    /// <summary>X-Amz-Log-Result: base64 of the last 4 KB of the log (Tail only).</summary>
    public string? LogResult { get; init; }

    /// <summary>The API error (throttle, not found, bad request); null when the invoke was accepted.</summary>
    public LambdaApiError? Error { get; init; }

    /// <summary>The environment that ran the invocation (diagnostics and tests).</summary>
    public string? EnvironmentId { get; init; }

    public bool ColdStart { get; init; }
    public bool Provisioned { get; init; }
}

/// <summary>The local runtime as the dashboard and REST API see it.</summary>
public sealed record LocalRuntimeSnapshot(DateTimeOffset TakenAt, int AccountConcurrency, int UnreservedConcurrency, IReadOnlyList<LocalFunctionSnapshot> Functions);

public sealed record LocalFunctionSnapshot
{
    public required string Name { get; init; }
    public required string Arn { get; init; }
    public required string Handler { get; init; }
    public string? Description { get; init; }
    public int MemoryMb { get; init; }
    public TimeSpan Timeout { get; init; }
    public required IReadOnlyList<string> Versions { get; init; }
    public required IReadOnlyDictionary<string, string> Aliases { get; init; }
    public int? ReservedConcurrency { get; init; }
    public required IReadOnlyList<LocalProvisionedConcurrencySnapshot> ProvisionedConcurrency { get; init; }
    public required IReadOnlyList<LocalEnvironmentSnapshot> Environments { get; init; }
    public int InFlight { get; init; }
    public int MaxObservedInFlight { get; init; }
}

public sealed record LocalProvisionedConcurrencySnapshot(
    string Qualifier,
    string Version,
    int Requested,
    int Allocated,
    string Status,
    string? StatusReason,
    DateTimeOffset LastModified);

public sealed record LocalEnvironmentSnapshot(
    string Id,
    string Version,
    bool Provisioned,
    string? ProvisionedQualifier,
    EnvironmentState State,
    DateTimeOffset BornAt,
    DateTimeOffset LastUsedAt,
    long InvocationCount);
