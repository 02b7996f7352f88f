using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Polly;
using Polly.Timeout;
using WarmKeeper.Lambda.Signing;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Lambda;

/// <summary>One control-plane call over the wire: signed attempts through the resilience pipeline, answers and errors read off the response.</summary>
public sealed partial class LambdaControlPlane
{
    private async Task<T> SendAsync<T>(string operation, LambdaWireRequest wire, JsonTypeInfo<T> answerType, CancellationToken cancellationToken)
        where T : class
    {
        var context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        try
        {
            return await _pipelines.ControlPlane.ExecuteAsync(
                static async (ctx, s) =>
                {
                    using var response = await s.Owner.SendAttemptAsync(s.Operation, s.Wire, ctx.CancellationToken).ConfigureAwait(false);
                    return await s.Owner.ReadAnswerAsync(s.Operation, response, s.AnswerType, ctx.CancellationToken).ConfigureAwait(false);
                },
                context,
                new ControlPlaneQuery<T>(this, operation, wire, answerType)).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException ex)
        {
            throw TimedOut(operation, _requestTimeout, ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task SendWithoutAnswerAsync(string operation, LambdaWireRequest wire, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        try
        {
            await _pipelines.ControlPlane.ExecuteAsync(
                static async (ctx, s) =>
                {
                    using var response = await s.Owner.SendAttemptAsync(s.Operation, s.Wire, ctx.CancellationToken).ConfigureAwait(false);
                },
                context,
                new ControlPlaneCall(this, operation, wire)).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException ex)
        {
            throw TimedOut(operation, _requestTimeout, ex);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>One HTTP attempt: a freshly signed request (a retry must carry a new date and signature); non-2xx becomes an exception.</summary>
    private async Task<HttpResponseMessage> SendAttemptAsync(string operation, LambdaWireRequest wire, CancellationToken cancellationToken)
    {
        using var message = await _signer.CreateAsync(wire, cancellationToken).ConfigureAwait(false);
        var response = await _httpClient.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ReadErrorAsync(operation, response, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<T> ReadAnswerAsync<T>(string operation, HttpResponseMessage response, JsonTypeInfo<T> answerType, CancellationToken cancellationToken)
        where T : class
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                return await JsonSerializer.DeserializeAsync(stream, answerType, cancellationToken).ConfigureAwait(false)
                    ?? throw InvalidAnswer(operation, response, "an empty (null) body", null);
            }
            catch (JsonException ex)
            {
                throw InvalidAnswer(operation, response, $"a body that is not a {typeof(T).Name}", ex);
            }
        }
    }

    private async ValueTask<LambdaServiceException> ReadErrorAsync(string operation, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(response.Content, cancellationToken, MaxErrorBodyBytes).ConfigureAwait(false);
        var requestId = HeaderValue(response, LambdaHeaders.RequestId);
        var error = LambdaErrorMapper.Map(
            response.StatusCode,
            HeaderValue(response, LambdaHeaders.ErrorType),
            body.Span,
            requestId,
            LambdaErrorMapper.ParseRetryAfter(response.Headers.RetryAfter, _timeProvider.GetUtcNow()));
        LambdaLog.ServiceError(_logger, TargetName, operation, (int)response.StatusCode, error.ErrorType, requestId);
        return error;
    }

    /// <summary>Reads the body into one array of exactly its length when the length is announced (the usual case): no intermediate buffers.</summary>
    private static async ValueTask<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken, int limit = int.MaxValue)
    {
        if (content.Headers.ContentLength is { } length && length <= limit)
        {
            if (length == 0)
            {
                return ReadOnlyMemory<byte>.Empty;
            }

            var buffer = new byte[length];
            var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                return buffer.AsMemory(0, read);
            }
        }

        var all = await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return all.Length > limit ? all.AsMemory(0, limit) : all;
    }

    private static string? HeaderValue(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private LambdaServiceException InvalidAnswer(string operation, HttpResponseMessage response, string what, Exception? inner) =>
        new(
            "InvalidResponseException",
            $"Lambda target '{TargetName}': {operation} answered {(int)response.StatusCode} with {what}.",
            response.StatusCode,
            HeaderValue(response, LambdaHeaders.RequestId),
            innerException: inner);

    private TimeoutException TimedOut(string operation, TimeSpan timeout, TimeoutRejectedException inner) =>
        new($"Lambda target '{TargetName}': {operation} got no answer within {timeout}.", inner);

    private static void RequireName(string? value, string parameterName)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"{parameterName} is required.", parameterName);
        }
    }

    private static string? Format(int? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static KeyValuePair<string, string>[]? QueryOf(params ReadOnlySpan<(string Key, string? Value)> parameters)
    {
        var count = 0;
        foreach (var (_, value) in parameters)
        {
            if (value is not null)
            {
                count++;
            }
        }

        if (count == 0)
        {
            return null;
        }

        var query = new KeyValuePair<string, string>[count];
        var i = 0;
        foreach (var (key, value) in parameters)
        {
            if (value is not null)
            {
                query[i++] = new(key, value);
            }
        }

        return query;
    }

    private sealed record ControlPlaneCall(LambdaControlPlane Owner, string Operation, LambdaWireRequest Wire);

    private sealed record ControlPlaneQuery<T>(LambdaControlPlane Owner, string Operation, LambdaWireRequest Wire, JsonTypeInfo<T> AnswerType);
}
