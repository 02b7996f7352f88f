using System.Collections.Concurrent;
using System.Net;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Lambda;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Benchmarks;

/// <summary>
/// An in-memory Lambda control plane with the calls the reconciler makes, answering at once, so a
/// tick's time is WarmKeeper's own. Provisioned concurrency is allocated the moment it is put.
/// </summary>
internal sealed class FakeControlPlane(string targetName, int accountConcurrency) : ILambdaControlPlane
{
    private readonly ConcurrentDictionary<(string Function, string Qualifier), int> _provisioned = new();
    private long _calls;

    public string TargetName => targetName;

    /// <summary>Control-plane calls answered so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    public int ConfigCount => _provisioned.Count;

    public Task<ProvisionedConcurrencyConfig> PutProvisionedConcurrencyConfigAsync(
        string functionName, string qualifier, int provisionedConcurrentExecutions, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        _provisioned[(functionName, qualifier)] = provisionedConcurrentExecutions;
        return Task.FromResult(new ProvisionedConcurrencyConfig
        {
            RequestedProvisionedConcurrentExecutions = provisionedConcurrentExecutions,
            Status = ProvisionedConcurrencyStatus.InProgress,
        });
    }

    public Task<ProvisionedConcurrencyConfig> GetProvisionedConcurrencyConfigAsync(string functionName, string qualifier, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return _provisioned.TryGetValue((functionName, qualifier), out var value)
            ? Task.FromResult(new ProvisionedConcurrencyConfig
            {
                RequestedProvisionedConcurrentExecutions = value,
                AvailableProvisionedConcurrentExecutions = value,
                AllocatedProvisionedConcurrentExecutions = value,
                Status = ProvisionedConcurrencyStatus.Ready,
            })
            : Task.FromException<ProvisionedConcurrencyConfig>(new ProvisionedConcurrencyConfigNotFoundException(
                "ProvisionedConcurrencyConfigNotFoundException", $"No Provisioned Concurrency Config found for this function ({functionName}:{qualifier})", HttpStatusCode.NotFound, null));
    }

    public Task DeleteProvisionedConcurrencyConfigAsync(string functionName, string qualifier, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        _provisioned.TryRemove((functionName, qualifier), out _);
        return Task.CompletedTask;
    }

    public Task<GetFunctionConcurrencyResponse> GetFunctionConcurrencyAsync(string functionName, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return Task.FromResult(new GetFunctionConcurrencyResponse { ReservedConcurrentExecutions = null });
    }

    public Task<GetAccountSettingsResponse> GetAccountSettingsAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return Task.FromResult(new GetAccountSettingsResponse
        {
            AccountLimit = new AccountLimit { ConcurrentExecutions = accountConcurrency, UnreservedConcurrentExecutions = accountConcurrency },
            AccountUsage = new AccountUsage(),
        });
    }

    public Task<InvokeResult> InvokeAsync(InvokeRequest request, CancellationToken cancellationToken) => throw NotUsed();

    public Task<ListProvisionedConcurrencyConfigsResponse> ListProvisionedConcurrencyConfigsAsync(string functionName, string? marker, int? maxItems, CancellationToken cancellationToken) => throw NotUsed();

    public Task<Concurrency> PutFunctionConcurrencyAsync(string functionName, int reservedConcurrentExecutions, CancellationToken cancellationToken) => throw NotUsed();

    public Task DeleteFunctionConcurrencyAsync(string functionName, CancellationToken cancellationToken) => throw NotUsed();

    public Task<ListFunctionsResponse> ListFunctionsAsync(string? marker, int? maxItems, CancellationToken cancellationToken) => throw NotUsed();

    public Task<ListVersionsByFunctionResponse> ListVersionsByFunctionAsync(string functionName, string? marker, int? maxItems, CancellationToken cancellationToken) => throw NotUsed();

    public Task<ListAliasesResponse> ListAliasesAsync(string functionName, string? functionVersion, string? marker, int? maxItems, CancellationToken cancellationToken) => throw NotUsed();

    public Task<GetFunctionResponse> GetFunctionAsync(string functionName, string? qualifier, CancellationToken cancellationToken) => throw NotUsed();

    private static NotSupportedException NotUsed() => new("The reconciler benchmark's fake control plane only answers the calls the reconciler makes.");
}

/// <summary>One target, the fake.</summary>
internal sealed class FakeTargets(FakeControlPlane controlPlane) : ILambdaTargets
{
    public IReadOnlyCollection<string> Names { get; } = [controlPlane.TargetName];

    public bool TryGet(string name, out ILambdaControlPlane found)
    {
        found = controlPlane;
        return name == controlPlane.TargetName;
    }
}
