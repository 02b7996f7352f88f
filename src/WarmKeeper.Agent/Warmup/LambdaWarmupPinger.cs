using System.Diagnostics;
using System.Text.Json;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Lambda;

namespace WarmKeeper.Agent.Warmup;

/// <summary>
/// Sends a ping as a synchronous Invoke with the log tail: cold or warm is read from the REPORT
/// line's Init Duration; the environment from the target's own header (the built-in runtime), else
/// from the function's answer where it reports one, else left to the run's locator by request id. A
/// throttled ping is not retried: it found no spare capacity, and taking some is what pings must not do.
/// </summary>
internal sealed class LambdaWarmupPinger(ILambdaTargets targets, TimeProvider timeProvider) : IWarmupPinger
{
    private static readonly string[] EnvironmentIdFields = ["environmentId", "environment_id", "envId"];

    public async Task<PingOutcome> PingAsync(PingRequest request, CancellationToken cancellationToken)
    {
        if (!targets.TryGet(request.Target, out var lambda))
        {
            return new PingOutcome(request.Index, false, null, null, TimeSpan.Zero, $"Unknown target '{request.Target}'.");
        }

        var started = timeProvider.GetTimestamp();
        try
        {
            var result = await lambda.InvokeAsync(
                new InvokeRequest
                {
                    FunctionName = request.Function,
                    Qualifier = request.Qualifier,
                    Payload = request.Payload,
                    ClientContext = request.ClientContext,
                    TailLog = true,
                    RetryIfNotRun = false,
                },
                cancellationToken);
            var latency = timeProvider.GetElapsedTime(started);
            var cold = result.Report?.IsColdStart;
            var (environment, method) = result.EnvironmentId is { Length: > 0 } header
                ? (header, EnvironmentCountMethods.RuntimeHeader)
                : FindEnvironmentId(result.Payload.Span) is { } reported
                    ? (reported, EnvironmentCountMethods.FunctionReported)
                    : ((string?)null, (string?)null);
            return result.IsFunctionError
                ? new PingOutcome(request.Index, false, cold, environment, latency, $"Function error ({result.FunctionError}).", RequestId: result.RequestId, EnvironmentMethod: method)
                : new PingOutcome(request.Index, true, cold, environment, latency, null, RequestId: result.RequestId, EnvironmentMethod: method);
        }
        catch (LambdaThrottledException e)
        {
            return new PingOutcome(request.Index, false, null, null, timeProvider.GetElapsedTime(started), $"Throttled: {e.Reason}", Throttled: true);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new PingOutcome(request.Index, false, null, null, timeProvider.GetElapsedTime(started), e.Message);
        }
    }

    internal static string? FindEnvironmentId(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(payload);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var field in EnvironmentIdFields)
            {
                if (doc.RootElement.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    return value.GetString();
                }
            }
        }
        catch (JsonException e)
        {
            Debug.WriteLine(e.Message);
        }

        return null;
    }
}
