using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Timeout;
using WarmKeeper.Lambda.Resilience;

namespace WarmKeeper.Lambda.CloudWatch;

/// <summary>What to read: one log group, a time range, and optionally a filter pattern and streams.</summary>
/// <param name="FilterPattern">CloudWatch Logs filter syntax, at most 1024 characters, e.g. <c>"START RequestId"</c>.</param>
/// <param name="Limit">Events per page (1 to 10,000); null lets the service choose.</param>
public sealed record LogEventsQuery(
    string LogGroupName,
    DateTimeOffset? Start = null,
    DateTimeOffset? End = null,
    string? FilterPattern = null,
    IReadOnlyList<string>? LogStreamNames = null,
    int? Limit = null);

/// <summary>One log event; the stream names the execution environment that wrote it (for Lambda, one stream per environment).</summary>
public sealed record LogEvent(string LogStreamName, DateTimeOffset Timestamp, DateTimeOffset IngestionTime, string Message, string EventId);

/// <summary>One page of FilterLogEvents; <see cref="NextToken"/> continues it (and, for a reader that follows a log, resumes it later).</summary>
public sealed record LogEventsPage(IReadOnlyList<LogEvent> Events, string? NextToken);

/// <summary>The pages read within a call budget.</summary>
/// <param name="NextToken">Set when the budget ended the read before the last page.</param>
public sealed record LogEventsRead(IReadOnlyList<LogEvent> Events, int Calls, string? NextToken);

/// <summary>
/// CloudWatch Logs over its wire protocol (JSON 1.1, <c>X-Amz-Target: Logs_20140328.…</c>, SigV4
/// service <c>logs</c>), signed with the Lambda target's credentials; AWSSDK.CloudWatchLogs is not
/// obtainable here. Throttles (<c>ThrottlingException</c>, 5xx) are retried by the target's
/// control-plane pipeline (bounded retries with backoff, behind its circuit breaker); every page is a
/// call, so readers bound their cost in pages. Thread-safe.
/// </summary>
public sealed class CloudWatchLogsClient : IDisposable
{
    public const string SigningServiceName = "logs";
    public const string ContentType = "application/x-amz-json-1.1";
    public const string FilterLogEventsTarget = "Logs_20140328.FilterLogEvents";

    /// <summary>The service's own limit on a filter pattern.</summary>
    public const int MaxFilterPatternLength = 1024;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ServiceRequestSigner _signer;
    private readonly ResiliencePipeline _pipeline;
    private readonly TimeSpan _requestTimeout;

    /// <param name="options">The Lambda target whose region, credentials, retries and Logs endpoint (<see cref="LambdaTargetOptions.CloudWatchLogs"/>) to use.</param>
    public CloudWatchLogsClient(LambdaTargetOptions options, HttpClient? http = null, TimeProvider? timeProvider = null, ILogger? logger = null, AWSCredentials? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var time = timeProvider ?? TimeProvider.System;
        _signer = new ServiceRequestSigner(options, options.CloudWatchLogs.ResolveServiceUrl(options.Region), SigningServiceName, credentials, time);
        _pipeline = new LambdaResiliencePipelines(options, time, logger ?? NullLogger.Instance).ControlPlane;
        _requestTimeout = options.RequestTimeout;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient(LambdaControlPlane.CreatePrimaryHandler(options)) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>One FilterLogEvents call (one page), retried on throttles.</summary>
    public async Task<LogEventsPage> FilterLogEventsAsync(LogEventsQuery query, string? nextToken, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentException.ThrowIfNullOrWhiteSpace(query.LogGroupName);
        if (query.FilterPattern is { Length: > MaxFilterPatternLength })
        {
            throw new ArgumentException($"A filter pattern is at most {MaxFilterPatternLength} characters, not {query.FilterPattern.Length}.", nameof(query));
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(
            new FilterLogEventsRequest(
                query.LogGroupName,
                query.LogStreamNames is { Count: > 0 } streams ? streams : null,
                query.Start?.ToUnixTimeMilliseconds(),
                query.End?.ToUnixTimeMilliseconds(),
                string.IsNullOrEmpty(query.FilterPattern) ? null : query.FilterPattern,
                nextToken,
                query.Limit),
            CloudWatchLogsJsonContext.Default.FilterLogEventsRequest);
        var context = ResilienceContextPool.Shared.Get("FilterLogEvents", cancellationToken);
        try
        {
            var answer = await _pipeline.ExecuteAsync(static (ctx, s) => s.Owner.SendAsync(s.Body, ctx.CancellationToken), context, (Owner: this, Body: body));
            return new LogEventsPage(
                (answer.Events ?? []).Select(e => new LogEvent(
                    e.LogStreamName ?? "",
                    DateTimeOffset.FromUnixTimeMilliseconds(e.Timestamp),
                    DateTimeOffset.FromUnixTimeMilliseconds(e.IngestionTime),
                    e.Message ?? "",
                    e.EventId ?? "")).ToList(),
                string.IsNullOrEmpty(answer.NextToken) ? null : answer.NextToken);
        }
        catch (TimeoutRejectedException e)
        {
            throw new LambdaServiceException("RequestTimeout", $"FilterLogEvents timed out after {_requestTimeout}.", HttpStatusCode.RequestTimeout, null, null, e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Follows <c>nextToken</c> from <paramref name="nextToken"/> for at most <paramref name="maxCalls"/> pages.</summary>
    public async Task<LogEventsRead> FilterLogEventsAsync(LogEventsQuery query, int maxCalls, string? nextToken, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCalls, 1);
        var events = new List<LogEvent>();
        var calls = 0;
        do
        {
            var page = await FilterLogEventsAsync(query, nextToken, cancellationToken);
            calls++;
            events.AddRange(page.Events);
            nextToken = page.NextToken;
        }
        while (nextToken is not null && calls < maxCalls);

        return new LogEventsRead(events, calls, nextToken);
    }

    public void Dispose()
    {
        _signer.Dispose();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async ValueTask<FilterLogEventsResponse> SendAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var request = await _signer.CreatePostAsync(body, ContentType, [new("X-Amz-Target", FilterLogEventsTarget)], cancellationToken);
        using var response = await _http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw ToException(response, text);
        }

        try
        {
            return JsonSerializer.Deserialize(text, CloudWatchLogsJsonContext.Default.FilterLogEventsResponse)
                   ?? throw new JsonException("The answer is null.");
        }
        catch (JsonException e)
        {
            throw new LambdaServiceException("ServiceException", $"FilterLogEvents answered with unreadable JSON: {e.Message}", response.StatusCode, RequestIdOf(response), null, e);
        }
    }

    /// <summary>JSON 1.1 errors: <c>{"__type":"[namespace#]Type","message":…}</c>, the type also in <c>x-amzn-ErrorType</c>.</summary>
    private static LambdaServiceException ToException(HttpResponseMessage response, byte[] body)
    {
        string? type = response.Headers.TryGetValues("x-amzn-ErrorType", out var types) ? types.FirstOrDefault() : null;
        string? message = null;
        try
        {
            var error = JsonSerializer.Deserialize(body, CloudWatchLogsJsonContext.Default.JsonErrorBody);
            type = error?.Type ?? type;
            message = error?.Message ?? error?.MessageUpper;
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's page): keep the status and the header's type.
        }

        type = type is null ? "ServiceException" : type[(type.IndexOf('#', StringComparison.Ordinal) + 1)..].Split(':')[0];
        var retryAfter = response.Headers.RetryAfter?.Delta;
        return new LambdaServiceException(
            type, $"CloudWatch Logs FilterLogEvents failed: {type}: {message ?? response.ReasonPhrase}", response.StatusCode, RequestIdOf(response), retryAfter);
    }

    private static string? RequestIdOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
}

internal sealed record FilterLogEventsRequest(
    [property: JsonPropertyName("logGroupName")] string LogGroupName,
    [property: JsonPropertyName("logStreamNames")] IReadOnlyList<string>? LogStreamNames,
    [property: JsonPropertyName("startTime")] long? StartTime,
    [property: JsonPropertyName("endTime")] long? EndTime,
    [property: JsonPropertyName("filterPattern")] string? FilterPattern,
    [property: JsonPropertyName("nextToken")] string? NextToken,
    [property: JsonPropertyName("limit")] int? Limit);

internal sealed record FilterLogEventsResponse(
    [property: JsonPropertyName("events")] IReadOnlyList<FilteredLogEvent>? Events,
    [property: JsonPropertyName("nextToken")] string? NextToken);

internal sealed record FilteredLogEvent(
    [property: JsonPropertyName("logStreamName")] string? LogStreamName,
    [property: JsonPropertyName("timestamp")] long Timestamp,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("ingestionTime")] long IngestionTime,
    [property: JsonPropertyName("eventId")] string? EventId);

internal sealed record JsonErrorBody(
    [property: JsonPropertyName("__type")] string? Type,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("Message")] string? MessageUpper);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FilterLogEventsRequest))]
[JsonSerializable(typeof(FilterLogEventsResponse))]
[JsonSerializable(typeof(JsonErrorBody))]
internal sealed partial class CloudWatchLogsJsonContext : JsonSerializerContext;
