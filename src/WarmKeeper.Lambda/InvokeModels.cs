using System.Text;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Lambda;

/// <summary>How Lambda runs an Invoke (<c>X-Amz-Invocation-Type</c>).</summary>
public enum LambdaInvocationType
{
    /// <summary>Synchronous: 200 with the function's answer.</summary>
    RequestResponse,

    /// <summary>Asynchronous: 202, queued.</summary>
    Event,

    /// <summary>Validates parameters and permissions only: 204, nothing runs.</summary>
    DryRun,
}

/// <summary>One Invoke call.</summary>
public sealed record InvokeRequest
{
    /// <summary>Name, partial ARN or ARN of the function.</summary>
    public required string FunctionName { get; init; }

    /// <summary>Version or alias; null invokes <c>$LATEST</c>.</summary>
    public string? Qualifier { get; init; }

    public LambdaInvocationType InvocationType { get; init; } = LambdaInvocationType.RequestResponse;

    /// <summary>Ask for the last 4 KB of the log (<c>X-Amz-Log-Type: Tail</c>); only meaningful for RequestResponse.</summary>
    public bool TailLog { get; init; }

    /// <summary>The event as JSON bytes; empty sends no body. Not copied: keep it unchanged until the call completes.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary>Base64 of a JSON client context (<c>X-Amz-Client-Context</c>).</summary>
    public string? ClientContext { get; init; }

    /// <summary>
    /// Retry when the request provably did not run (429 throttle, connection refused). Warm-up pings
    /// turn this off so that they never compete with real traffic for capacity.
    /// </summary>
    public bool RetryIfNotRun { get; init; } = true;

    /// <summary>
    /// The agent's proof that this call is its own warm-up ping (an HMAC the agent signs),
    /// sent as <see cref="WarmKeeperHeaders.Ping"/>; null for every other call. Ignored by AWS; a WarmKeeper proxy or runtime
    /// holding the same secret exempts such a ping from rates and does not count it as demand.
    /// </summary>
    public string? PingProof { get; init; }
}

/// <summary>The answer to an Invoke. A function error is a result, not an exception.</summary>
public sealed record InvokeResult
{
    /// <summary>200 (RequestResponse), 202 (Event) or 204 (DryRun).</summary>
    public required int StatusCode { get; init; }

    /// <summary>The function's answer (or its error document when <see cref="FunctionError"/> is set); empty for Event and DryRun.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }

    /// <summary><c>Unhandled</c> or <c>Handled</c> when the function failed; null on success.</summary>
    public string? FunctionError { get; init; }

    /// <summary>The version that ran (<c>X-Amz-Executed-Version</c>).</summary>
    public string? ExecutedVersion { get; init; }

    public string? RequestId { get; init; }

    /// <summary>
    /// The log tail as the target sent it (<c>X-Amz-Log-Result</c>, base64), when <see cref="InvokeRequest.TailLog"/>
    /// was set: a proxy passes it on as it came.
    /// </summary>
    public string? LogResult { get; init; }

    /// <summary>The decoded log tail, when <see cref="InvokeRequest.TailLog"/> was set.</summary>
    public string? Log => LogResult is null ? null : field ??= DecodeLog(LogResult);

    /// <summary>
    /// The execution environment that ran the call, where the target says (the built-in runtime's
    /// <see cref="WarmKeeperHeaders.EnvironmentId"/>); AWS does not.
    /// </summary>
    public string? EnvironmentId { get; init; }

    /// <summary>The parsed <c>REPORT</c> line of <see cref="Log"/>, when there is one.</summary>
    public InvocationReport? Report { get; init; }

    /// <summary>How many HTTP attempts the call took (1 unless a throttle or refused connection was retried).</summary>
    public int Attempts { get; init; } = 1;

    public bool IsFunctionError => FunctionError is not null;

    private static string DecodeLog(string base64)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            // A proxy that passes the log through unencoded is more useful shown than dropped.
            return base64;
        }
    }
}
