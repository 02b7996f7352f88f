using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Lambda.Signing;

/// <summary>
/// The outcome of checking a request's SigV4 signature. On failure it carries what Lambda answers:
/// the error type (for <c>x-amzn-ErrorType</c> and the body's <c>Type</c>), the message and the status.
/// </summary>
public sealed record SigV4VerificationResult
{
    public bool IsAuthenticated { get; private init; }

    /// <summary>The caller's access key id (set on success, and on failures after the key was read).</summary>
    public string? AccessKeyId { get; private init; }

    /// <summary>E.g. <c>InvalidSignatureException</c>; null on success.</summary>
    public string? ErrorType { get; private init; }

    public string? Message { get; private init; }

    /// <summary>200 on success, else the HTTP status to answer with (403 for every authentication failure).</summary>
    public int StatusCode { get; private init; }

    public static SigV4VerificationResult Success(string accessKeyId) =>
        new() { IsAuthenticated = true, AccessKeyId = accessKeyId, StatusCode = 200 };

    public static SigV4VerificationResult Failure(string errorType, string message, string? accessKeyId = null) =>
        new() { IsAuthenticated = false, ErrorType = errorType, Message = message, AccessKeyId = accessKeyId, StatusCode = 403 };

    internal static SigV4VerificationResult MissingToken() =>
        Failure(LambdaErrorTypes.MissingAuthenticationToken, "Missing Authentication Token");

    internal static SigV4VerificationResult Incomplete(string message) =>
        Failure(LambdaErrorTypes.IncompleteSignature, message);

    internal static SigV4VerificationResult UnknownAccessKey(string accessKeyId) =>
        Failure(LambdaErrorTypes.UnrecognizedClient, "The security token included in the request is invalid.", accessKeyId);

    internal static SigV4VerificationResult SignatureMismatch(string accessKeyId) =>
        Failure(
            LambdaErrorTypes.InvalidSignature,
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            accessKeyId);

    internal static SigV4VerificationResult Invalid(string message, string accessKeyId) =>
        Failure(LambdaErrorTypes.InvalidSignature, message, accessKeyId);
}
