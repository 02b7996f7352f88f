using Microsoft.AspNetCore.Http;

namespace WarmKeeper.LocalRuntime.Hosting;

/// <summary>
/// Verifies an incoming Lambda API request (SigV4) before it reaches an operation. The server calls
/// it only when <see cref="LocalRuntimeOptions.Credentials"/> is configured; the request body is
/// buffered and rewound afterwards, so an authenticator may read it to hash the payload.
/// </summary>
public interface IRequestAuthenticator
{
    ValueTask<RequestAuthenticationResult> AuthenticateAsync(HttpRequest request, CancellationToken ct);
}

/// <summary>The verdict on one request; failures are answered in AWS's shape (<c>{"message":…}</c>).</summary>
/// <param name="Succeeded">True when the request may proceed.</param>
/// <param name="ErrorType">InvalidSignatureException, UnrecognizedClientException or MissingAuthenticationTokenException.</param>
/// <param name="Message">The message AWS would give.</param>
/// <param name="StatusCode">403 for all three.</param>
public sealed record RequestAuthenticationResult(bool Succeeded, string? ErrorType = null, string? Message = null, int StatusCode = 403)
{
    public static RequestAuthenticationResult Success { get; } = new(true);

    public static RequestAuthenticationResult Fail(string errorType, string message, int statusCode = 403) =>
        new(false, errorType, message, statusCode);
}
