using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Lambda;

/// <summary>Turns a non-2xx Lambda answer into the matching <see cref="LambdaServiceException"/>.</summary>
public static class LambdaErrorMapper
{
    private const int MaxPlainTextMessageLength = 512;

    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="errorTypeHeader">The <c>x-amzn-ErrorType</c> header, if any.</param>
    /// <param name="body">The response body (JSON error document, or anything a proxy put there).</param>
    /// <param name="requestId">The <c>x-amzn-RequestId</c> header, if any.</param>
    /// <param name="retryAfter">The parsed <c>Retry-After</c>, if any.</param>
    public static LambdaServiceException Map(
        HttpStatusCode statusCode,
        string? errorTypeHeader,
        ReadOnlySpan<byte> body,
        string? requestId,
        TimeSpan? retryAfter)
    {
        var document = TryParseBody(body);
        var errorType = NormalizeErrorType(errorTypeHeader)
            ?? NormalizeErrorType(document?.Type)
            ?? FallbackErrorType(statusCode);
        var message = document?.Message
            ?? document?.MessageCapitalized
            ?? PlainTextMessage(body)
            ?? $"Lambda answered HTTP {(int)statusCode} ({errorType}).";

        return Create(errorType, message, statusCode, requestId, document?.Reason, retryAfter);
    }

    /// <summary>An error a Lambda listener in this process answered (the in-process runtime), as a client would have read it off the wire.</summary>
    public static LambdaServiceException Map(LambdaApiError error, string? requestId)
    {
        ArgumentNullException.ThrowIfNull(error);
        return Create(error.ErrorType, error.Message, (HttpStatusCode)error.StatusCode, requestId, error.Reason,
            error.RetryAfterSeconds is int seconds ? TimeSpan.FromSeconds(seconds) : null);
    }

    private static LambdaServiceException Create(
        string errorType, string message, HttpStatusCode statusCode, string? requestId, string? reason, TimeSpan? retryAfter) =>
        errorType switch
        {
            LambdaErrorTypes.TooManyRequests =>
                new LambdaThrottledException(errorType, message, statusCode, requestId, reason, retryAfter),
            LambdaErrorTypes.ResourceNotFound =>
                new LambdaResourceNotFoundException(errorType, message, statusCode, requestId),
            LambdaErrorTypes.InvalidParameterValue =>
                new LambdaInvalidParameterException(errorType, message, statusCode, requestId),
            LambdaErrorTypes.InvalidRequestContent =>
                new LambdaInvalidRequestContentException(errorType, message, statusCode, requestId),
            LambdaErrorTypes.RequestTooLarge =>
                new LambdaRequestTooLargeException(errorType, message, statusCode, requestId),
            LambdaErrorTypes.ResourceConflict =>
                new LambdaResourceConflictException(errorType, message, statusCode, requestId),
            LambdaErrorTypes.ProvisionedConcurrencyConfigNotFound =>
                new ProvisionedConcurrencyConfigNotFoundException(errorType, message, statusCode, requestId),
            LambdaErrorTypes.InvalidSignature or LambdaErrorTypes.UnrecognizedClient
                or LambdaErrorTypes.MissingAuthenticationToken or LambdaErrorTypes.IncompleteSignature
                or LambdaErrorTypes.ExpiredToken or LambdaErrorTypes.AccessDenied =>
                new LambdaAuthenticationException(errorType, message, statusCode, requestId),
            _ => new LambdaServiceException(errorType, message, statusCode, requestId, retryAfter),
        };

    /// <summary>
    /// Reads <c>Retry-After</c> as seconds or as an HTTP date (relative to <paramref name="now"/>);
    /// null when absent or unreadable.
    /// </summary>
    public static TimeSpan? ParseRetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (header is null)
        {
            return null;
        }

        if (header.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header.Date is { } date)
        {
            var wait = date - now;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private static LambdaErrorBody? TryParseBody(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(body, LambdaJsonContext.Default.LambdaErrorBody);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// AWS sometimes appends a documentation URL (<c>Type:http://internal.amazon.com/…</c>) or sends
    /// a namespace prefix (<c>com.amazonaws#Type</c>); the type is the part without either.
    /// </summary>
    private static string? NormalizeErrorType(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var type = raw.AsSpan().Trim();
        var colon = type.IndexOf(':');
        if (colon >= 0)
        {
            type = type[..colon];
        }

        var hash = type.LastIndexOf('#');
        if (hash >= 0)
        {
            type = type[(hash + 1)..];
        }

        return type.IsEmpty ? null : type.ToString();
    }

    private static string FallbackErrorType(HttpStatusCode statusCode) => (int)statusCode switch
    {
        429 => LambdaErrorTypes.TooManyRequests,
        413 => LambdaErrorTypes.RequestTooLarge,
        404 => LambdaErrorTypes.ResourceNotFound,
        >= 500 => LambdaErrorTypes.Service,
        _ => "HttpStatus" + ((int)statusCode).ToString(CultureInfo.InvariantCulture),
    };

    private static string? PlainTextMessage(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(body.Length > MaxPlainTextMessageLength ? body[..MaxPlainTextMessageLength] : body).Trim();
        return text.Length == 0 ? null : text;
    }
}
