using System.Globalization;

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

    /// <summary>The decoded log tail, when <see cref="InvokeRequest.TailLog"/> was set.</summary>
    public string? Log { get; init; }

    /// <summary>The parsed <c>REPORT</c> line of <see cref="Log"/>, when there is one.</summary>
    public InvocationReport? Report { get; init; }

    /// <summary>How many HTTP attempts the call took (1 unless a throttle or refused connection was retried).</summary>
    public int Attempts { get; init; } = 1;

    public bool IsFunctionError => FunctionError is not null;
}

/// <summary>
/// The <c>REPORT</c> line Lambda writes after each invocation:
/// <c>REPORT RequestId: … Duration: 1.23 ms Billed Duration: 2 ms Memory Size: 128 MB Max Memory Used: 35 MB Init Duration: 120.45 ms</c>
/// (tab-separated; <c>Init Duration</c> only on a cold start).
/// </summary>
public sealed record InvocationReport(
    string? RequestId,
    TimeSpan Duration,
    TimeSpan BilledDuration,
    int MemorySizeMb,
    int MaxMemoryUsedMb,
    TimeSpan? InitDuration)
{
    /// <summary>True when this invocation started a new execution environment.</summary>
    public bool IsColdStart => InitDuration is not null;

    /// <summary>Finds the last <c>REPORT</c> line of a log and parses it; null when there is none or it lacks a duration.</summary>
    public static InvocationReport? Parse(string? log)
    {
        if (string.IsNullOrEmpty(log))
        {
            return null;
        }

        var start = log.LastIndexOf("REPORT RequestId:", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var end = log.IndexOf('\n', start);
        var line = end < 0 ? log.AsSpan(start) : log.AsSpan(start, end - start);

        string? requestId = null;
        TimeSpan? duration = null, billed = null, init = null;
        int memory = 0, maxMemory = 0;

        foreach (var range in line.Split('\t'))
        {
            var field = line[range].Trim();
            var colon = field.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            var key = field[..colon].Trim();
            var value = field[(colon + 1)..].Trim();
            if (key.SequenceEqual("REPORT RequestId"))
            {
                requestId = value.ToString();
            }
            else if (key.SequenceEqual("Duration"))
            {
                duration = ParseMilliseconds(value);
            }
            else if (key.SequenceEqual("Billed Duration"))
            {
                billed = ParseMilliseconds(value);
            }
            else if (key.SequenceEqual("Memory Size"))
            {
                memory = ParseMegabytes(value);
            }
            else if (key.SequenceEqual("Max Memory Used"))
            {
                maxMemory = ParseMegabytes(value);
            }
            else if (key.SequenceEqual("Init Duration"))
            {
                init = ParseMilliseconds(value);
            }
        }

        return duration is null ? null : new InvocationReport(requestId, duration.Value, billed ?? TimeSpan.Zero, memory, maxMemory, init);
    }

    private static TimeSpan? ParseMilliseconds(ReadOnlySpan<char> value)
    {
        value = StripUnit(value, "ms");
        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0
            ? TimeSpan.FromMilliseconds(ms)
            : null;
    }

    private static int ParseMegabytes(ReadOnlySpan<char> value)
    {
        value = StripUnit(value, "MB");
        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var mb) ? mb : 0;
    }

    private static ReadOnlySpan<char> StripUnit(ReadOnlySpan<char> value, string unit)
    {
        value = value.Trim();
        return value.EndsWith(unit, StringComparison.Ordinal) ? value[..^unit.Length].TrimEnd() : value;
    }
}
