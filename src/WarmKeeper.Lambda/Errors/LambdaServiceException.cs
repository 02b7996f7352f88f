using System.Net;

namespace WarmKeeper.Lambda;

/// <summary>
/// The Lambda service (or a Lambda-compatible target) refused or failed a request. The type is
/// chosen from <c>x-amzn-ErrorType</c> (or the body's <c>Type</c>); a function error inside an
/// Invoke is not an exception but an <see cref="InvokeResult"/> with <see cref="InvokeResult.FunctionError"/>.
/// </summary>
public class LambdaServiceException : Exception
{
    public LambdaServiceException(
        string errorType,
        string message,
        HttpStatusCode statusCode,
        string? requestId,
        TimeSpan? retryAfter = null,
        Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorType = errorType;
        StatusCode = statusCode;
        RequestId = requestId;
        RetryAfter = retryAfter;
    }

    /// <summary>The service's error type, e.g. <c>ResourceNotFoundException</c>.</summary>
    public string ErrorType { get; }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The <c>x-amzn-RequestId</c> of the failed request, for support cases and log correlation.</summary>
    public string? RequestId { get; }

    /// <summary>The service's <c>Retry-After</c>, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// True for 429 and 5xx answers, and for the throttles that AWS's JSON protocols send as 400
    /// (CloudWatch Logs' <c>ThrottlingException</c>): the same request may succeed later.
    /// </summary>
    public bool IsTransient => StatusCode == HttpStatusCode.TooManyRequests || (int)StatusCode >= 500 || ThrottlingErrorTypes.Contains(ErrorType);

    /// <summary>The error codes AWS services throttle with besides a 429 (as AWSSDK.Core's retry policy lists them).</summary>
    private static readonly HashSet<string> ThrottlingErrorTypes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "RequestLimitExceeded", "SlowDown",
    };
}

/// <summary><c>TooManyRequestsException</c> (429): a concurrency or rate limit refused the request before it ran.</summary>
public sealed class LambdaThrottledException(
    string errorType, string message, HttpStatusCode statusCode, string? requestId, string? reason, TimeSpan? retryAfter)
    : LambdaServiceException(errorType, message, statusCode, requestId, retryAfter)
{
    /// <summary>Which limit refused it, e.g. <c>ReservedFunctionConcurrentInvocationLimitExceeded</c> (see <see cref="Wire.ThrottleReasons"/>).</summary>
    public string? Reason { get; } = reason;
}

/// <summary><c>ResourceNotFoundException</c> (404): the function, version or alias does not exist.</summary>
public sealed class LambdaResourceNotFoundException(string errorType, string message, HttpStatusCode statusCode, string? requestId)
    : LambdaServiceException(errorType, message, statusCode, requestId);

/// <summary><c>InvalidParameterValueException</c> (400): a parameter is out of range or malformed.</summary>
public class LambdaInvalidParameterException(string errorType, string message, HttpStatusCode statusCode, string? requestId)
    : LambdaServiceException(errorType, message, statusCode, requestId);

/// <summary><c>InvalidRequestContentException</c> (400): the request body (e.g. an Invoke payload) is not valid JSON.</summary>
public sealed class LambdaInvalidRequestContentException(string errorType, string message, HttpStatusCode statusCode, string? requestId)
    : LambdaInvalidParameterException(errorType, message, statusCode, requestId);

/// <summary><c>RequestTooLargeException</c> (413): the payload exceeds the invocation payload limit.</summary>
public sealed class LambdaRequestTooLargeException(string errorType, string message, HttpStatusCode statusCode, string? requestId)
    : LambdaServiceException(errorType, message, statusCode, requestId);

/// <summary><c>ResourceConflictException</c> (409): the resource is being changed or the change conflicts with its state.</summary>
public sealed class LambdaResourceConflictException(string errorType, string message, HttpStatusCode statusCode, string? requestId)
    : LambdaServiceException(errorType, message, statusCode, requestId);

/// <summary><c>ProvisionedConcurrencyConfigNotFoundException</c> (404): the qualifier has no provisioned-concurrency config.</summary>
public sealed class ProvisionedConcurrencyConfigNotFoundException(string errorType, string message, HttpStatusCode statusCode, string? requestId)
    : LambdaServiceException(errorType, message, statusCode, requestId);

/// <summary>
/// The request was not accepted as signed by a known principal: <c>InvalidSignatureException</c>,
/// <c>UnrecognizedClientException</c>, <c>MissingAuthenticationTokenException</c>,
/// <c>IncompleteSignatureException</c>, <c>ExpiredTokenException</c>, <c>AccessDeniedException</c>.
/// Retrying the same request cannot succeed: the credentials or the clock need fixing.
/// </summary>
public sealed class LambdaAuthenticationException(string errorType, string message, HttpStatusCode statusCode, string? requestId)
    : LambdaServiceException(errorType, message, statusCode, requestId);
