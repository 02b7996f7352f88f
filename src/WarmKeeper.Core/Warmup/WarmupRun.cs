using System.Diagnostics;

namespace WarmKeeper.Core.Warmup;

/// <summary>One ping to send.</summary>
/// <param name="ClientContext">Base64 <c>X-Amz-Client-Context</c>, or null for none.</param>
public sealed record PingRequest(string Target, string Function, string? Qualifier, byte[] Payload, int Index, string CorrelationId, string? ClientContext = null);

/// <summary>What one ping found.</summary>
/// <param name="Cold">True when the ping paid an init (an <c>Init Duration</c> in its REPORT line); null when unknown.</param>
/// <param name="EnvironmentId">The environment that served the ping, where something said (see <paramref name="EnvironmentMethod"/>).</param>
/// <param name="Throttled">The target refused the ping for lack of concurrency.</param>
/// <param name="RequestId">The invocation's request id, by which the environment can be found later (its log stream).</param>
/// <param name="EnvironmentMethod">How <paramref name="EnvironmentId"/> was learnt, one of <see cref="EnvironmentCountMethods"/>.</param>
public sealed record PingOutcome(
    int Index, bool Succeeded, bool? Cold, string? EnvironmentId, TimeSpan Latency, string? Error, bool Throttled = false,
    string? RequestId = null, string? EnvironmentMethod = null);

/// <summary>How a run learnt which environment served each ping, as its report names it.</summary>
public static class EnvironmentCountMethods
{
    /// <summary>The target said so in a header of its answer (the built-in runtime's <c>X-WarmKeeper-Environment-Id</c>).</summary>
    public const string RuntimeHeader = "runtime-header";

    /// <summary>The CloudWatch Logs stream holding the ping's request id (one stream per execution environment).</summary>
    public const string CloudWatchLogs = "cloudwatch-logs";

    /// <summary>The function's own answer named its environment (the warmkeeper format's handlers do).</summary>
    public const string FunctionReported = "function-reported";
}

/// <summary>Sends pings; the agent's implementation invokes the function through the Lambda API.</summary>
public interface IWarmupPinger
{
    Task<PingOutcome> PingAsync(PingRequest request, CancellationToken cancellationToken);
}

/// <summary>What a locator found for a round of pings.</summary>
/// <param name="Environments">Environment id by request id, for the pings it could place.</param>
/// <param name="Problem">Why some or all could not be placed (budget spent, not enabled, an error); null when all were.</param>
public sealed record LocatedEnvironments(IReadOnlyDictionary<string, string> Environments, string? Problem);

/// <summary>
/// Finds after the fact which environment served pings whose answers did not say (on AWS: their log
/// streams). One instance serves one run, so it can bound its own cost per run.
/// </summary>
public interface IWarmupEnvironmentLocator
{
    /// <summary>The <see cref="EnvironmentCountMethods"/> name of what it reads.</summary>
    string Method { get; }

    /// <param name="requestIds">Request ids of succeeded pings without an environment.</param>
    /// <param name="since">When the run started: no ping's trace is older.</param>
    Task<LocatedEnvironments> LocateAsync(WarmupPolicy policy, IReadOnlyList<string> requestIds, DateTimeOffset since, CancellationToken cancellationToken);
}

/// <summary>
/// Runs a warm-up policy once: N concurrent pings (capped by headroom), then, with verification on,
/// top-up pings within a budget until N distinct environments answered. Failed pings are never
/// retried: a top-up is only sent when the pings that did answer shared environments.
/// </summary>
/// <param name="locator">Places pings whose answers named no environment; null when the target offers no way.</param>
/// <param name="noLocatorReason">Said in the report when environments could not be counted and there is no locator.</param>
public sealed class WarmupRun(IWarmupPinger pinger, TimeProvider timeProvider, IWarmupEnvironmentLocator? locator = null, string? noLocatorReason = null)
{
    private const int MaxErrorSamples = 5;

    public async Task<WarmupRunReport> ExecuteAsync(WarmupPolicy policy, Headroom headroom, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var started = timeProvider.GetTimestamp();
        var startedAt = timeProvider.GetUtcNow();
        var locating = new List<string>();
        var correlationId = Guid.NewGuid().ToString("N");
        var decision = FanOutHeadroom.Decide(policy.FanOut, headroom);

        var outcomes = new List<PingOutcome>(decision.Allowed);
        var environments = new HashSet<string>(StringComparer.Ordinal);
        outcomes.AddRange(await LocateAsync(policy, await SendRoundAsync(policy, correlationId, 0, decision.Allowed, decision.Allowed, cancellationToken), startedAt, locating, cancellationToken));
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
            var round = await LocateAsync(
                policy, await SendRoundAsync(policy, correlationId, outcomes.Count, missing, decision.Allowed, cancellationToken), startedAt, locating, cancellationToken);
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
            EnvironmentsCountedBy = string.Join('+', outcomes.Where(o => o.EnvironmentId is not null).Select(o => o.EnvironmentMethod).OfType<string>().Distinct().Order(StringComparer.Ordinal)) is { Length: > 0 } by
                ? by
                : null,
            EnvironmentsNote = NoteOn(outcomes, environmentsKnown, locating),
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

    /// <summary>Asks the locator for the environments of the round's succeeded pings that named none; the rest pass unchanged.</summary>
    private async Task<PingOutcome[]> LocateAsync(
        WarmupPolicy policy, PingOutcome[] round, DateTimeOffset since, List<string> problems, CancellationToken cancellationToken)
    {
        var unplaced = round.Where(o => o.Succeeded && o.EnvironmentId is null && o.RequestId is not null).Select(o => o.RequestId!).ToList();
        if (locator is null || unplaced.Count == 0)
        {
            return round;
        }

        LocatedEnvironments located;
        try
        {
            located = await locator.LocateAsync(policy, unplaced, since, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Counting is a report on the pings, which already ran: a failure to count fails nothing.
            problems.Add($"{locator.Method}: {e.Message}");
            return round;
        }

        if (located.Problem is not null)
        {
            problems.Add($"{locator.Method}: {located.Problem}");
        }

        return round.Select(o => o.EnvironmentId is null && o.RequestId is not null && located.Environments.TryGetValue(o.RequestId, out var environment)
                ? o with { EnvironmentId = environment, EnvironmentMethod = locator.Method }
                : o)
            .ToArray();
    }

    /// <summary>Why the count is missing or partial; null when every succeeded ping was placed.</summary>
    private string? NoteOn(List<PingOutcome> outcomes, bool environmentsKnown, List<string> problems)
    {
        var unplaced = outcomes.Count(o => o.Succeeded && o.EnvironmentId is null);
        if (unplaced == 0)
        {
            return null;
        }

        var why = problems.Count > 0
            ? string.Join("; ", problems.Distinct())
            : locator is null
                ? noLocatorReason ?? "no answer named its environment and the target offers no other way to learn it"
                : "their answers named no environment and carried no request id";
        return environmentsKnown
            ? $"{unplaced} succeeded ping(s) not placed in an environment: {why}"
            : $"environments not counted: {why}";
    }

    private async Task<PingOutcome[]> SendRoundAsync(
        WarmupPolicy policy, string correlationId, int firstIndex, int count, int fanOut, CancellationToken cancellationToken)
    {
        var pings = new Task<PingOutcome>[count];
        var clientContext = WarmupPings.BuildClientContext(policy);
        for (var i = 0; i < count; i++)
        {
            var index = firstIndex + i;
            var request = new PingRequest(
                policy.Target, policy.Function, policy.Qualifier,
                WarmupPings.Build(policy, correlationId, index, fanOut), index, correlationId, clientContext);
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
