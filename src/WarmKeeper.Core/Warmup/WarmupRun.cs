using System.Diagnostics;

namespace WarmKeeper.Core.Warmup;

/// <summary>One ping to send.</summary>
public sealed record PingRequest(string Target, string Function, string? Qualifier, byte[] Payload, int Index, string CorrelationId);

/// <summary>What one ping found.</summary>
/// <param name="Cold">True when the ping paid an init (an <c>Init Duration</c> in its REPORT line); null when unknown.</param>
/// <param name="EnvironmentId">The environment the function says it ran in, where it reports one.</param>
/// <param name="Throttled">The target refused the ping for lack of concurrency.</param>
public sealed record PingOutcome(int Index, bool Succeeded, bool? Cold, string? EnvironmentId, TimeSpan Latency, string? Error, bool Throttled = false);

/// <summary>Sends pings; the agent's implementation invokes the function through the Lambda API.</summary>
public interface IWarmupPinger
{
    Task<PingOutcome> PingAsync(PingRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// Runs a warm-up policy once: N concurrent pings (capped by headroom), then, with verification on,
/// top-up pings within a budget until N distinct environments answered. Failed pings are never
/// retried: a top-up is only sent when the pings that did answer shared environments.
/// </summary>
public sealed class WarmupRun(IWarmupPinger pinger, TimeProvider timeProvider)
{
    private const int MaxErrorSamples = 5;

    public async Task<WarmupRunReport> ExecuteAsync(WarmupPolicy policy, Headroom headroom, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var started = timeProvider.GetTimestamp();
        var correlationId = Guid.NewGuid().ToString("N");
        var decision = FanOutHeadroom.Decide(policy.FanOut, headroom);

        var outcomes = new List<PingOutcome>(decision.Allowed);
        var environments = new HashSet<string>(StringComparer.Ordinal);
        outcomes.AddRange(await SendRoundAsync(policy, correlationId, 0, decision.Allowed, decision.Allowed, cancellationToken));
        AddEnvironments(outcomes, environments);

        var budget = policy.TopUpBudget ?? policy.FanOut;
        var topUps = 0;
        var environmentsKnown = outcomes.Any(o => o.EnvironmentId is not null);
        while (policy.Verify && environmentsKnown && environments.Count < decision.Allowed && budget > 0
               && !outcomes.Any(o => o.Throttled) && !cancellationToken.IsCancellationRequested)
        {
            // The environments already reached are idle again and would absorb a small round, so a
            // top-up round is the whole fan-out again (within budget), all at once: the known
            // environments take some, the rest must land on new ones. Stop when a round adds nothing.
            var missing = Math.Min(decision.Allowed, budget);
            var before = environments.Count;
            var round = await SendRoundAsync(policy, correlationId, outcomes.Count, missing, decision.Allowed, cancellationToken);
            outcomes.AddRange(round);
            AddEnvironments(round, environments);
            topUps += missing;
            budget -= missing;
            if (environments.Count == before)
            {
                break;
            }
        }

        var succeeded = outcomes.Where(o => o.Succeeded).ToList();
        return new WarmupRunReport
        {
            CorrelationId = correlationId,
            Requested = policy.FanOut,
            Sent = outcomes.Count,
            Cold = succeeded.Count(o => o.Cold == true),
            Warm = succeeded.Count(o => o.Cold == false),
            DistinctEnvironments = environmentsKnown ? environments.Count : null,
            Errors = outcomes.Count(o => !o.Succeeded),
            Throttled = outcomes.Count(o => o.Throttled),
            TopUpPings = topUps,
            Capped = decision.Capped,
            CapReason = decision.Reason,
            Reached = environmentsKnown ? environments.Count >= decision.Allowed : null,
            ReservedConcurrency = headroom.ReservedConcurrency,
            UnreservedConcurrency = headroom.UnreservedConcurrency,
            InFlight = headroom.InFlight,
            ElapsedMs = Math.Round(timeProvider.GetElapsedTime(started).TotalMilliseconds, 1),
            ErrorSamples = outcomes.Where(o => o.Error is not null).Select(o => o.Error!).Distinct().Take(MaxErrorSamples).ToList(),
        };
    }

    private async Task<PingOutcome[]> SendRoundAsync(
        WarmupPolicy policy, string correlationId, int firstIndex, int count, int fanOut, CancellationToken cancellationToken)
    {
        var pings = new Task<PingOutcome>[count];
        for (var i = 0; i < count; i++)
        {
            var index = firstIndex + i;
            var request = new PingRequest(
                policy.Target, policy.Function, policy.Qualifier,
                WarmupPings.Build(policy, correlationId, index, fanOut), index, correlationId);
            pings[i] = PingSafelyAsync(request, cancellationToken);
        }

        return await Task.WhenAll(pings);
    }

    private async Task<PingOutcome> PingSafelyAsync(PingRequest request, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        try
        {
            return await pinger.PingAsync(request, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Debug.WriteLine(e);
            return new PingOutcome(request.Index, false, null, null, timeProvider.GetElapsedTime(started), e.Message);
        }
    }

    private static void AddEnvironments(IEnumerable<PingOutcome> outcomes, HashSet<string> environments)
    {
        foreach (var outcome in outcomes)
        {
            if (outcome.Succeeded && outcome.EnvironmentId is { } id)
            {
                environments.Add(id);
            }
        }
    }
}
