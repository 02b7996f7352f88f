using Microsoft.AspNetCore.Http;

namespace WarmKeeper.Lambda.Wire;

/// <summary>The headers an accepted Invoke answers with; absent ones are not written.</summary>
/// <param name="StatusCode">200 (RequestResponse), 202 (Event) or 204 (DryRun).</param>
/// <param name="RequestId">Written as <c>x-amzn-RequestId</c> when set; a listener that stamps every answer itself passes null.</param>
/// <param name="EnvironmentId">Written as <see cref="WarmKeeperHeaders.EnvironmentId"/> when set: the environment that ran the call.</param>
public readonly record struct InvokeResponseHead(
    int StatusCode,
    string? RequestId,
    string? ExecutedVersion,
    string? FunctionError,
    string? LogResult,
    string? EnvironmentId = null);

/// <summary>Headers of ours beside Lambda's; AWS SDKs and the CLI ignore them.</summary>
public static class WarmKeeperHeaders
{
    /// <summary>
    /// The execution environment that ran an invocation, as the built-in runtime knows it: a warm-up
    /// run counts the environments it reached from this whatever its payload format.
    /// </summary>
    public const string EnvironmentId = "X-WarmKeeper-Environment-Id";

    /// <summary>
    /// On an Invoke request: the agent's proof that the call is its own warm-up ping (an HMAC under a
    /// secret only agents hold; see WarmKeeper.Core.Warmup.AgentPingProof). AWS ignores it.
    /// </summary>
    public const string Ping = "X-WarmKeeper-Ping";
}

/// <summary>
/// Answers an accepted Invoke as Lambda does: the status, the invoke headers, and the function's
/// bytes as JSON on 200 only (202 and 204 carry no body). The local runtime and the proxy both
/// answer through here so that the two cannot drift apart.
/// </summary>
public static class InvokeResponseWriter
{
    public static async Task WriteAsync(HttpResponse response, InvokeResponseHead head, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = head.StatusCode;
        var headers = response.Headers;
        SetIfPresent(headers, LambdaHeaders.RequestId, head.RequestId);
        SetIfPresent(headers, LambdaHeaders.ExecutedVersion, head.ExecutedVersion);
        SetIfPresent(headers, LambdaHeaders.FunctionError, head.FunctionError);
        SetIfPresent(headers, LambdaHeaders.LogResult, head.LogResult);
        SetIfPresent(headers, WarmKeeperHeaders.EnvironmentId, head.EnvironmentId);
        if (head.StatusCode != StatusCodes.Status200OK)
        {
            response.ContentLength = 0;
            return;
        }

        response.ContentType = "application/json";
        response.ContentLength = payload.Length;
        await response.BodyWriter.WriteAsync(payload, cancellationToken);
    }

    private static void SetIfPresent(IHeaderDictionary headers, string name, string? value)
    {
        if (value is not null)
        {
            headers[name] = value;
        }
    }
}
