using System.Collections.Concurrent;
using System.Net;
using WarmKeeper.Lambda;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Testing;

/// <summary>
/// An in-memory Lambda control plane with the calls the reconciler makes, answering at once, so a
/// tick's time is WarmKeeper's own (the reconcile benchmark), or after <see cref="Delay"/> (tests of
/// calls in flight, latency). Provisioned concurrency is allocated the moment it is put.
/// </summary>
public sealed class FakeControlPlane(string targetName, int accountConcurrency) : ILambdaControlPlane
{
    private readonly ConcurrentDictionary<(string Function, string Qualifier), int> _provisioned = new();
    private long _calls;

    public string TargetName => targetName;

    /// <summary>Control-plane calls answered so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>
    /// When set, awaited before each answer with the operation's name (after a put or delete took
    /// effect): a network's latency, or a gate a test holds calls at.
    /// </summary>
    public Func<string, Task>? Delay { get; set; }

    public int ConfigCount => _provisioned.Count;

    public Task<ProvisionedConcurrencyConfig> PutProvisionedConcurrencyConfigAsync(
        string functionName, string qualifier, int provisionedConcurrentExecutions, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        _provisioned[(functionName, qualifier)] = provisionedConcurrentExecutions;
        return Answer("PutProvisionedConcurrencyConfig", Task.FromResult(new ProvisionedConcurrencyConfig
        {
            RequestedProvisionedConcurrentExecutions = provisionedConcurrentExecutions,
            Status = ProvisionedConcurrencyStatus.InProgress,
        }));
    }

    public Task<ProvisionedConcurrencyConfig> GetProvisionedConcurrencyConfigAsync(string functionName, string qualifier, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return Answer("GetProvisionedConcurrencyConfig", _provisioned.TryGetValue((functionName, qualifier), out var value)
            ? Task.FromResult(new ProvisionedConcurrencyConfig
            {
                RequestedProvisionedConcurrentExecutions = value,
                AvailableProvisionedConcurrentExecutions = value,
                AllocatedProvisionedConcurrentExecutions = value,
                Status = ProvisionedConcurrencyStatus.Ready,
            })
            : Task.FromException<ProvisionedConcurrencyConfig>(new ProvisionedConcurrencyConfigNotFoundException(
                "ProvisionedConcurrencyConfigNotFoundException", $"No Provisioned Concurrency Config found for this function ({functionName}:{qualifier})", HttpStatusCode.NotFound, null)));
    }

    public Task DeleteProvisionedConcurrencyConfigAsync(string functionName, string qualifier, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        _provisioned.TryRemove((functionName, qualifier), out _);
        return Answer("DeleteProvisionedConcurrencyConfig", Task.FromResult(true));
    }

    public Task<GetFunctionConcurrencyResponse> GetFunctionConcurrencyAsync(string functionName, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return Answer("GetFunctionConcurrency", Task.FromResult(new GetFunctionConcurrencyResponse { ReservedConcurrentExecutions = null }));
    }

    public Task<GetAccountSettingsResponse> GetAccountSettingsAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return Answer("GetAccountSettings", Task.FromResult(new GetAccountSettingsResponse
        {
            AccountLimit = new AccountLimit { ConcurrentExecutions = accountConcurrency, UnreservedConcurrentExecutions = accountConcurrency },
            AccountUsage = new AccountUsage(),
        }));
    }

    public Task<InvokeResult> InvokeAsync(InvokeRequest request, CancellationToken cancellationToken) => throw NotUsed();

    public Task<ListProvisionedConcurrencyConfigsResponse> ListProvisionedConcurrencyConfigsAsync(string functionName, string? marker, int? maxItems, CancellationToken cancellationToken) => throw NotUsed();

    public Task<Concurrency> PutFunctionConcurrencyAsync(string functionName, int reservedConcurrentExecutions, CancellationToken cancellationToken) => throw NotUsed();

    public Task DeleteFunctionConcurrencyAsync(string functionName, CancellationToken cancellationToken) => throw NotUsed();

    public Task<ListFunctionsResponse> ListFunctionsAsync(string? marker, int? maxItems, CancellationToken cancellationToken) => throw NotUsed();

    public Task<ListVersionsByFunctionResponse> ListVersionsByFunctionAsync(string functionName, string? marker, int? maxItems, CancellationToken cancellationToken) => throw NotUsed();

    public Task<ListAliasesResponse> ListAliasesAsync(string functionName, string? functionVersion, string? marker, int? maxItems, CancellationToken cancellationToken) => throw NotUsed();

    public Task<GetFunctionResponse> GetFunctionAsync(string functionName, string? qualifier, CancellationToken cancellationToken) => throw NotUsed();

    public Task<FunctionConfiguration> GetFunctionConfigurationAsync(string functionName, string? qualifier, CancellationToken cancellationToken) => throw NotUsed();

    public Task<ListTagsResponse> ListTagsAsync(string functionArn, CancellationToken cancellationToken) => throw NotUsed();

    private Task<T> Answer<T>(string operation, Task<T> answer) => Delay is { } delay ? AfterAsync(delay, operation, answer) : answer;

    private static async Task<T> AfterAsync<T>(Func<string, Task> delay, string operation, Task<T> answer)
    {
        await delay(operation);
        return await answer;
    }

    private static NotSupportedException NotUsed() => new("The reconciler benchmark's fake control plane only answers the calls the reconciler makes.");
}
