using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.LocalRuntime.Functions.Process;

/// <summary>
/// The Runtime API as the function's process sees it: <c>next</c> hands over the waiting invocation,
/// <c>response</c>/<c>error</c> answer it, <c>init/error</c> fails the cold start. Paths, status codes and
/// error bodies follow Lambda's Runtime API.
/// </summary>
public sealed partial class ProcessFunctionHandler
{
    private const string RuntimePathPrefix = "/2018-06-01/runtime/";
    private const string InvocationPrefix = "invocation/";

    // Never written to: the same bytes answer every accepted post.
    private static readonly ReadOnlyMemory<byte> AcceptedBody = "{\"status\":\"OK\"}"u8.ToArray();

    private Task HandleRuntimeApiAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        if (!path.StartsWith(RuntimePathPrefix, StringComparison.Ordinal))
        {
            return RefuseAsync(context, StatusCodes.Status404NotFound, "InvalidRequest", "Not a Runtime API path: " + path);
        }
        var route = path.AsSpan(RuntimePathPrefix.Length);
        var isGet = HttpMethods.IsGet(request.Method);
        var isPost = HttpMethods.IsPost(request.Method);

        if (route.SequenceEqual("invocation/next"))
        {
            return isGet ? NextAsync(context) : MethodNotAllowedAsync(context);
        }
        if (route.SequenceEqual("init/error"))
        {
            return isPost ? InitErrorAsync(context) : MethodNotAllowedAsync(context);
        }
        if (route.StartsWith(InvocationPrefix, StringComparison.Ordinal))
        {
            var rest = route[InvocationPrefix.Length..];
            var slash = rest.IndexOf('/');
            if (slash > 0)
            {
                var action = rest[(slash + 1)..];
                var isResponse = action.SequenceEqual("response");
                if (isResponse || action.SequenceEqual("error"))
                {
                    if (!isPost)
                    {
                        return MethodNotAllowedAsync(context);
                    }
                    var requestId = rest[..slash];
                    var pending = CurrentInvocation(requestId);
                    if (pending is null)
                    {
                        return RefuseInvalidRequestIdAsync(context, requestId.ToString());
                    }
                    return isResponse ? InvocationResponseAsync(context, pending) : InvocationErrorAsync(context, pending);
                }
            }
        }
        return RefuseAsync(context, StatusCodes.Status404NotFound, "InvalidRequest", "Unknown Runtime API path: " + path);
    }

    private async Task NextAsync(HttpContext context)
    {
        if (!_initDone.Task.IsCompleted)
        {
            InitDuration = _timeProvider.GetElapsedTime(_initStartTimestamp);
            _initDone.TrySetResult();
        }

        PendingInvocation pending;
        try
        {
            pending = await _mailbox.Reader.ReadAsync(context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (ChannelClosedException)
        {
            // The environment is shutting down; the runtime has nothing more to do.
            await RefuseAsync(context, StatusCodes.Status500InternalServerError, "Runtime.ExitError", "The execution environment is shutting down.");
            return;
        }

        var invocation = pending.Invocation;
        var response = context.Response;
        var headers = response.Headers;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = invocation.Payload.Length;
        headers["Lambda-Runtime-Aws-Request-Id"] = invocation.RequestId;
        headers["Lambda-Runtime-Deadline-Ms"] = invocation.Deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        headers["Lambda-Runtime-Invoked-Function-Arn"] = invocation.InvokedFunctionArn;
        headers["Lambda-Runtime-Trace-Id"] = TraceId(invocation.RequestId);
        if (invocation.ClientContext is { Length: > 0 } clientContext)
        {
            headers["Lambda-Runtime-Client-Context"] = DecodeClientContext(clientContext);
        }
        await response.BodyWriter.WriteAsync(invocation.Payload, context.RequestAborted);
    }

    private async Task InvocationResponseAsync(HttpContext context, PendingInvocation pending)
    {
        var body = await ReadBodyAsync(context);
        if (body is null)
        {
            Volatile.Write(ref _answerRefused, 1);
            TryAnswer(pending, new InvocationAnswer(ResponseTooLargeDocument(), "Unhandled"));
            await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, "RequestEntityTooLarge",
                $"Exceeded maximum allowed payload size ({MaxResponseBytes} bytes).");
            return;
        }
        if (!TryAnswer(pending, new InvocationAnswer(body, null)))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "InvalidStateTransition", "The invocation was already answered or has timed out.");
            return;
        }
        await AcceptedAsync(context);
    }

    private async Task InvocationErrorAsync(HttpContext context, PendingInvocation pending)
    {
        var errorType = context.Request.Headers["Lambda-Runtime-Function-Error-Type"].ToString();
        var body = await ReadBodyAsync(context);
        var document = body is null
            ? ResponseTooLargeDocument()
            : LooksLikeJsonObject(body) ? body : ErrorDocument(body.Length == 0 ? "Unknown application error occurred" : Encoding.UTF8.GetString(body), errorType.Length > 0 ? errorType : "Unhandled");
        if (!TryAnswer(pending, new InvocationAnswer(document, "Unhandled")))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "InvalidStateTransition", "The invocation was already answered or has timed out.");
            return;
        }
        await AcceptedAsync(context);
    }

    private async Task InitErrorAsync(HttpContext context)
    {
        if (_initDone.Task.IsCompleted)
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "InvalidStateTransition", "init/error is only accepted before the first invocation/next.");
            return;
        }
        var headerType = context.Request.Headers["Lambda-Runtime-Function-Error-Type"].ToString();
        var body = await ReadBodyAsync(context) ?? [];
        string? bodyType = null;
        string? message = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                bodyType = document.RootElement.TryGetProperty("errorType", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                message = document.RootElement.TryGetProperty("errorMessage", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            }
        }
        catch (JsonException)
        {
            message = Encoding.UTF8.GetString(body);
        }
        var errorType = headerType.Length > 0 ? headerType : bodyType ?? "Runtime.Unknown";
        _initDone.TrySetException(new FunctionInitException(errorType, message is { Length: > 0 } ? message : "The runtime reported an init error."));
        await AcceptedAsync(context);
    }

    private bool TryAnswer(PendingInvocation pending, InvocationAnswer answer)
    {
        // The output the function wrote before this post is already in the pipes: fence it now, while
        // the answer travels to the waiting InvokeAsync.
        pending.LogFences = (_stdout!.FenceAsync(CancellationToken.None), _stderr!.FenceAsync(CancellationToken.None));
        return pending.TryAnswer(answer);
    }

    private PendingInvocation? CurrentInvocation(ReadOnlySpan<char> requestId)
    {
        var pending = Volatile.Read(ref _current);
        return pending is not null && requestId.SequenceEqual(pending.Invocation.RequestId) ? pending : null;
    }

    /// <summary>The request body, or null when it exceeds <see cref="MaxResponseBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        // Not pooled: the answer outlives the request that carried it.
        using var body = await LambdaRequestBody.ReadAsync(context.Request, MaxResponseBytes, pool: null, context.RequestAborted);
        return body.IsTooLarge ? null : body.Memory.ToArray();
    }

    private static bool LooksLikeJsonObject(byte[] body)
    {
        var trimmed = body.AsSpan().TrimStart(" \t\r\n"u8);
        return trimmed.Length > 0 && trimmed[0] == (byte)'{';
    }

    private static byte[] ResponseTooLargeDocument() => ErrorDocument(
        $"Response payload size exceeded maximum allowed payload size ({MaxResponseBytes} bytes).", "Function.ResponseSizeTooLarge");

    private static byte[] ErrorDocument(string message, string type)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("errorMessage", message);
            json.WriteString("errorType", type);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private string TraceId(string requestId)
    {
        // X-Ray's shape: Root=1-<epoch seconds, 8 hex>-<24 hex>; the request id supplies stable randomness.
        var seconds = _timeProvider.GetUtcNow().ToUnixTimeSeconds();
        Span<char> hex = stackalloc char[32];
        var written = 0;
        foreach (var c in requestId)
        {
            if (char.IsAsciiHexDigit(c) && written < hex.Length)
            {
                hex[written++] = char.ToLowerInvariant(c);
            }
        }
        while (written < 24)
        {
            hex[written++] = '0';
        }
        return string.Create(CultureInfo.InvariantCulture, $"Root=1-{seconds:x8}-{hex[..24]};Parent={hex[..16]};Sampled=0");
    }

    private static string DecodeClientContext(string base64)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return base64;
        }
    }

    private Task RefuseInvalidRequestIdAsync(HttpContext context, string requestId) =>
        RefuseAsync(context, StatusCodes.Status400BadRequest, "InvalidRequestID",
            $"Invalid request ID: {requestId} is not the invocation in progress.");

    private Task MethodNotAllowedAsync(HttpContext context) =>
        RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, "InvalidRequest",
            $"{context.Request.Method} is not allowed on {context.Request.Path}.");

    private async Task RefuseAsync(HttpContext context, int status, string errorType, string message)
    {
        ProcessFunctionLog.RequestRefused(_logger, _settings.FunctionName, EnvironmentId, context.Request.Method, context.Request.Path.Value ?? "", errorType);
        var body = ErrorDocument(message, errorType);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        await response.BodyWriter.WriteAsync(body);
    }

    private static Task AcceptedAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status202Accepted;
        response.ContentType = "application/json";
        response.ContentLength = AcceptedBody.Length;
        var write = response.BodyWriter.WriteAsync(AcceptedBody);
        return write.IsCompletedSuccessfully ? Task.CompletedTask : write.AsTask();
    }
}
