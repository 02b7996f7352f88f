using System.Diagnostics;
using System.Text.Json;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Lambda;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Agent.Warmup;

/// <summary>
/// Sends a ping as a synchronous Invoke with the log tail: cold or warm is read from the REPORT
/// line's Init Duration; the environment from the target's own header (the built-in runtime), else
/// from the function's answer where it reports one, else left to the run's locator by request id. A
/// throttled ping is not retried: it found no spare capacity, and taking some is what pings must not do.
/// Every ping carries the agent's proof (<see cref="AgentPingProof"/>), whatever the target: the pinger
/// calls targets directly, but a target may itself be a WarmKeeper proxy or runtime (a controller pinging
/// through a sidecar's proxy), and only the proof, never the payload, tells them the ping is the agent's
/// own (exempt from rates, not demand). Each ping is also noted in <see cref="SentPings"/>, for demand the
/// agent reads in aggregate from the cloud, where pings cannot be told apart call by call.
/// </summary>
internal sealed class LambdaWarmupPinger(ILambdaTargets targets, TimeProvider timeProvider, AgentPingProof proof, SentPings sent) : IWarmupPinger
{
    private static readonly string[] EnvironmentIdFields = ["environmentId", "environment_id", "envId"];

    public async Task<PingOutcome> PingAsync(PingRequest request, CancellationToken cancellationToken)
    {
        if (!targets.TryGet(request.Target, out var lambda))
        {
            return new PingOutcome(request.Index, false, null, null, TimeSpan.Zero, $"Unknown target '{request.Target}'.");
        }

        var reference = FunctionReference.Parse(request.Function);
        var qualifier = string.IsNullOrEmpty(request.Qualifier) ? reference.Qualifier : request.Qualifier;
        using var noted = sent.Started(request.Target, reference.Name, qualifier);
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
                    PingProof = proof.Sign(reference.Name, qualifier, request.Payload),
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
