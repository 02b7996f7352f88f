using System.Globalization;

namespace WarmKeeper.Lambda.Wire;

/// <summary>An error answer of the Lambda API: status, <c>x-amzn-ErrorType</c> and the JSON body.</summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="ErrorType">The exception name, sent in <c>x-amzn-ErrorType</c>.</param>
/// <param name="Message">The human message.</param>
/// <param name="Reason">Throttles only: why (e.g. <c>ReservedFunctionConcurrentInvocationLimitExceeded</c>).</param>
/// <param name="RetryAfterSeconds">Throttles only: the <c>Retry-After</c> header.</param>
public sealed record LambdaApiError(
    int StatusCode,
    string ErrorType,
    string Message,
    string? Reason = null,
    int? RetryAfterSeconds = null)
{
    /// <summary>Lambda spells the message <c>Message</c> for these two and <c>message</c> for the rest.</summary>
    public bool UsesCapitalizedMessage =>
        ErrorType is LambdaErrorTypes.ResourceNotFound or LambdaErrorTypes.Service;

    /// <summary>"Service" for server faults, "User" for everything the caller can fix.</summary>
    public string FaultType => StatusCode >= 500 ? "Service" : "User";

    public LambdaErrorBody ToBody() => UsesCapitalizedMessage
        ? new LambdaErrorBody { Type = FaultType, MessageCapitalized = Message, Reason = Reason }
        : new LambdaErrorBody { Type = FaultType, Message = Message, Reason = Reason };

    public static LambdaApiError FunctionNotFound(string arn) =>
        new(404, LambdaErrorTypes.ResourceNotFound, "Function not found: " + arn);

    public static LambdaApiError InvalidParameter(string message) =>
        new(400, LambdaErrorTypes.InvalidParameterValue, message);

    public static LambdaApiError Throttled(string reason, int retryAfterSeconds) =>
        new(429, LambdaErrorTypes.TooManyRequests, "Rate Exceeded.", reason, retryAfterSeconds);

    public static LambdaApiError RequestTooLarge(int limitBytes, bool async) =>
        new(413, LambdaErrorTypes.RequestTooLarge, string.Create(CultureInfo.InvariantCulture,
            $"Request must be smaller than {limitBytes} bytes for the {(async ? "InvokeAsync" : "Invoke")} operation"));
}

/// <summary>Thrown by engine operations (other than Invoke) to answer with a Lambda error.</summary>
public sealed class LambdaApiException(LambdaApiError error) : Exception(error.Message)
{
    public LambdaApiError Error { get; } = error;
}
