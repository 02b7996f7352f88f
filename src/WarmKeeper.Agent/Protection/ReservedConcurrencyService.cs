using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using WarmKeeper.Agent.Events;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Core.Protection;
using WarmKeeper.Lambda;
using WarmKeeper.LocalRuntime;
using WarmKeeper.Core.Targets;

namespace WarmKeeper.Agent.Protection;

/// <summary>The reserved concurrency derived for one function of a limit, and what was done with it.</summary>
public sealed record ReservedConcurrencyOutcome(
    string Function,
    double? P95DurationMs,
    int ProvisionedConcurrency,
    int? PreviousReserved,
    int? FromLittlesLaw,
    int? Desired,
    bool Applied,
    string Reason);

/// <summary>
/// Makes the cloud enforce a rate limit too: derives reserved concurrency from the limit and the
/// observed p95 duration (Little's law), bounded below by provisioned concurrency and above by the
/// account's unreserved floor (read from GetAccountSettings), applies it with PutFunctionConcurrency,
/// and records every decision as an event with its inputs.
/// </summary>
public sealed class ReservedConcurrencyService(
    ILambdaTargets targets,
    RateLimitRegistry registry,
    EventLog events,
    IOptions<ProxyOptions> proxyOptions,
    IOptions<LocalRuntimeOptions> localOptions)
{
    /// <param name="p95Override">Use this duration instead of the observed one (e.g. before traffic was seen).</param>
    /// <param name="apply">False derives and reports without changing anything.</param>
    public async Task<IReadOnlyList<ReservedConcurrencyOutcome>> DeriveAsync(
        RateLimitSpec spec, TimeSpan? p95Override, bool apply, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!targets.TryGet(spec.Target, out var lambda))
        {
            throw new InvalidOperationException($"Unknown target '{spec.Target}'.");
        }

        var floor = spec.Target == TargetNames.Local ? localOptions.Value.UnreservedConcurrencyFloor : proxyOptions.Value.UnreservedConcurrencyFloor;
        var outcomes = new List<ReservedConcurrencyOutcome>();
        foreach (var function in spec.Functions)
        {
            var p95 = p95Override ?? registry.P95Duration(spec.Target, function);
            var provisioned = 0;
            await foreach (var pc in lambda.ListAllProvisionedConcurrencyConfigsAsync(function, cancellationToken: cancellationToken))
            {
                provisioned += pc.RequestedProvisionedConcurrentExecutions;
            }

            var current = (await lambda.GetFunctionConcurrencyAsync(function, cancellationToken)).ReservedConcurrentExecutions;
            if (p95 is null && spec.PermitsPerSecond is not null)
            {
                outcomes.Add(await RecordAsync(spec, new ReservedConcurrencyOutcome(function, null, provisioned, current, null, null, false,
                    "No duration observed yet for this function; send traffic through the proxy first or pass p95DurationMs."), actor, cancellationToken));
                continue;
            }

            var account = await lambda.GetAccountSettingsAsync(cancellationToken);
            var derivation = ReservedConcurrencyCalculator.Derive(
                spec, p95 ?? TimeSpan.Zero, provisioned, current, account.AccountLimit.UnreservedConcurrentExecutions, floor);
            var applied = false;
            if (apply && derivation.Desired is { } desired && desired != current)
            {
                await lambda.PutFunctionConcurrencyAsync(function, desired, cancellationToken);
                applied = true;
            }

            outcomes.Add(await RecordAsync(spec, new ReservedConcurrencyOutcome(
                function, p95?.TotalMilliseconds, provisioned, current, derivation.FromLittlesLaw, derivation.Desired, applied,
                derivation.Reason + (apply ? applied ? "" : derivation.Desired == current ? "; already in force" : "" : "; not applied (apply=false)")), actor, cancellationToken));
        }

        return outcomes;
    }

    private async Task<ReservedConcurrencyOutcome> RecordAsync(RateLimitSpec spec, ReservedConcurrencyOutcome outcome, string actor, CancellationToken cancellationToken)
    {
        var data = EventLog.ToData(outcome);
        data["resource"] = "reserved-concurrency";
        data["rateLimit"] = spec.Id;
        data["permitsPerSecond"] = spec.PermitsPerSecond;
        data["maxConcurrency"] = spec.MaxConcurrency;
        var summary = outcome.Applied
            ? $"Reserved concurrency of {outcome.Function} set to {outcome.Desired} (was {outcome.PreviousReserved?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unreserved"}) from rate limit {spec.Id}: {outcome.Reason}."
            : $"Reserved concurrency of {outcome.Function} derived from rate limit {spec.Id}, not changed: {outcome.Reason}.";
        await events.AppendAsync(new NewEvent(EventKinds.ConfigurationChange, actor, summary, data, spec.Target, outcome.Function, PolicyId: spec.Id), cancellationToken);
        return outcome;
    }
}
