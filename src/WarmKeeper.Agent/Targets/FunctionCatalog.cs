using WarmKeeper.Core.Validation;
using WarmKeeper.Lambda;
using WarmKeeper.Lambda.Wire;
using WarmKeeper.LocalRuntime.Hosting;
using WarmKeeper.Core.Targets;

namespace WarmKeeper.Agent.Targets;

/// <summary>A function as the REST API lists it.</summary>
public sealed record FunctionSummary(
    string Target,
    string Name,
    string Arn,
    string? Description,
    string? Runtime,
    int MemoryMb,
    int TimeoutSeconds,
    string? LastModified);

/// <summary>A function in detail: versions, aliases, concurrency, environments where the target can tell.</summary>
public sealed record FunctionDetail(
    FunctionSummary Function,
    IReadOnlyList<string> Versions,
    IReadOnlyList<AliasSummary> Aliases,
    int? ReservedConcurrency,
    IReadOnlyList<ProvisionedConcurrencySummary> ProvisionedConcurrency,
    int? InFlight,
    IReadOnlyList<EnvironmentSummary>? Environments,
    LastWarmup? LastWarmup);

/// <summary>The most recent warm-up run of the function: when, by which policy, and what it found.</summary>
public sealed record LastWarmup(DateTimeOffset Time, string? PolicyId, string Summary, System.Text.Json.Nodes.JsonObject Data);

public sealed record AliasSummary(string Name, string FunctionVersion);

public sealed record ProvisionedConcurrencySummary(string Qualifier, int Requested, int Allocated, int Available, string Status, string? StatusReason);

public sealed record EnvironmentSummary(string Id, string Version, bool Provisioned, string State, DateTimeOffset BornAt, DateTimeOffset LastUsedAt, long Invocations);

/// <summary>Reads functions from every target through the Lambda API (the local one too, as any client would).</summary>
public sealed class FunctionCatalog(ILambdaTargets targets, Events.EventLog events, LocalRuntimeHost? localRuntime = null)
{
    public async Task<IReadOnlyList<FunctionSummary>> ListAsync(string? target, CancellationToken cancellationToken)
    {
        var result = new List<FunctionSummary>();
        foreach (var name in targets.Names)
        {
            if (target is not null && target != name)
            {
                continue;
            }

            targets.TryGet(name, out var lambda);
            await foreach (var f in lambda.ListAllFunctionsAsync(cancellationToken: cancellationToken))
            {
                result.Add(ToSummary(name, f));
            }
        }

        return result;
    }

    /// <returns>null when the target or the function does not exist.</returns>
    public async Task<FunctionDetail?> GetAsync(string target, string function, CancellationToken cancellationToken)
    {
        if (!targets.TryGet(target, out var lambda))
        {
            return null;
        }

        GetFunctionResponse response;
        try
        {
            response = await lambda.GetFunctionAsync(function, null, cancellationToken);
        }
        catch (LambdaResourceNotFoundException)
        {
            return null;
        }

        var versions = new List<string>();
        await foreach (var v in lambda.ListAllVersionsByFunctionAsync(function, cancellationToken: cancellationToken))
        {
            versions.Add(v.Version);
        }

        var aliases = new List<AliasSummary>();
        await foreach (var a in lambda.ListAllAliasesAsync(function, cancellationToken: cancellationToken))
        {
            aliases.Add(new AliasSummary(a.Name, a.FunctionVersion));
        }

        var provisioned = new List<ProvisionedConcurrencySummary>();
        await foreach (var pc in lambda.ListAllProvisionedConcurrencyConfigsAsync(function, cancellationToken: cancellationToken))
        {
            var qualifier = pc.FunctionArn[(pc.FunctionArn.LastIndexOf(':') + 1)..];
            provisioned.Add(new ProvisionedConcurrencySummary(
                qualifier, pc.RequestedProvisionedConcurrentExecutions, pc.AllocatedProvisionedConcurrentExecutions,
                pc.AvailableProvisionedConcurrentExecutions, pc.Status, pc.StatusReason));
        }

        var reserved = (await lambda.GetFunctionConcurrencyAsync(function, cancellationToken)).ReservedConcurrentExecutions;
        IReadOnlyList<EnvironmentSummary>? environments = null;
        int? inFlight = null;
        if (target == TargetNames.Local && localRuntime?.Engine is { } engine && engine.Functions.Any(f => f.Name == function))
        {
            var snapshot = engine.GetFunctionSnapshot(function);
            inFlight = snapshot.InFlight;
            environments = snapshot.Environments
                .Select(e => new EnvironmentSummary(e.Id, e.Version, e.Provisioned, e.State.ToString().ToLowerInvariant(), e.BornAt, e.LastUsedAt, e.InvocationCount))
                .ToList();
        }

        var lastRun = (await events.QueryAsync(new Events.EventQuery(Function: function, Kind: Events.EventKinds.WarmupRun, Limit: 20), cancellationToken))
            .FirstOrDefault(e => e.Target == target);
        var lastWarmup = lastRun is null ? null : new LastWarmup(lastRun.Time, lastRun.PolicyId, lastRun.Summary, lastRun.Data);
        return new FunctionDetail(ToSummary(target, response.Configuration), versions, aliases, reserved, provisioned, inFlight, environments, lastWarmup);
    }

    /// <summary>Adds errors on target, function or qualifier when they do not exist.</summary>
    public async Task CheckExistsAsync(string target, string function, string? qualifier, ValidationErrors errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!targets.TryGet(target, out var lambda))
        {
            errors.Add("target", $"Unknown target '{target}'; known targets: {string.Join(", ", targets.Names)}.");
            return;
        }

        try
        {
            await lambda.GetFunctionAsync(function, null, cancellationToken);
        }
        catch (LambdaResourceNotFoundException)
        {
            errors.Add("function", $"The target '{target}' has no function '{function}'.");
            return;
        }

        if (qualifier is null or "$LATEST")
        {
            return;
        }

        try
        {
            await lambda.GetFunctionAsync(function, qualifier, cancellationToken);
        }
        catch (LambdaResourceNotFoundException)
        {
            errors.Add("qualifier", $"The function '{function}' has no version or alias '{qualifier}'.");
        }
    }

    private static FunctionSummary ToSummary(string target, FunctionConfiguration f) =>
        new(target, f.FunctionName, f.FunctionArn, f.Description, f.Runtime, f.MemorySize, f.Timeout, f.LastModified);
}
