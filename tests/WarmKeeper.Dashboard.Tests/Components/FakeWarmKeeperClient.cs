using System.Text.Json.Nodes;
using WarmKeeper.Dashboard.Client;

namespace WarmKeeper.Dashboard.Tests.Components;

/// <summary>The dashboard's seam for component tests: canned answers, and a record of what was sent.</summary>
internal sealed class FakeWarmKeeperClient : IWarmKeeperClient
{
    public List<FunctionInfo> Functions { get; } = [new("local", "orders", "arn:orders", "About 50 ms of work a call.", "provided", 512, 10, null)];

    public Dictionary<string, ConcurrencyPolicyInfo> Policies { get; } = new(StringComparer.Ordinal);

    /// <summary>What the next create or update answers; null stores the policy as sent and answers it.</summary>
    public Func<JsonObject, long?, ApiOutcome<ConcurrencyPolicyInfo>>? OnSave { get; set; }

    public List<(string Call, JsonObject? Body, long? Revision)> Sent { get; } = [];

    public int FunctionListings { get; private set; }

    public Task<IReadOnlyList<FunctionInfo>> ListFunctionsAsync(CancellationToken cancellationToken)
    {
        FunctionListings++;
        return Task.FromResult<IReadOnlyList<FunctionInfo>>(Functions);
    }

    public Task<FunctionDetails?> GetFunctionAsync(string target, string name, CancellationToken cancellationToken) =>
        Task.FromResult(Functions.FirstOrDefault(f => f.Target == target && f.Name == name) is { } f
            ? new FunctionDetails(f, ["$LATEST", "1"], [new AliasInfo("live", "1")], null, [], 0, [], null)
            : null);

    public Task<DemandSeries> GetDemandAsync(string target, string name, string? qualifier, TimeSpan window, TimeSpan step, CancellationToken cancellationToken) =>
        Task.FromResult(new DemandSeries(target, name, qualifier, step, []));

    public Task<IReadOnlyList<AgentEventInfo>> ListEventsAsync(EventFilter filter, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<AgentEventInfo>>([]);

    public Task<IReadOnlyList<ConcurrencyPolicyInfo>> ListConcurrencyPoliciesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ConcurrencyPolicyInfo>>([.. Policies.Values]);

    public Task<ConcurrencyPolicyInfo?> GetConcurrencyPolicyAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult(Policies.GetValueOrDefault(id));

    public Task<ApiOutcome<ConcurrencyPolicyInfo>> CreateConcurrencyPolicyAsync(JsonObject policy, CancellationToken cancellationToken) =>
        Task.FromResult(Save("create", policy, null));

    public Task<ApiOutcome<ConcurrencyPolicyInfo>> UpdateConcurrencyPolicyAsync(string id, JsonObject policy, long expectedRevision, CancellationToken cancellationToken) =>
        Task.FromResult(Save("update", policy, expectedRevision));

    public Task<ApiOutcome> DeleteConcurrencyPolicyAsync(string id, long expectedRevision, CancellationToken cancellationToken) =>
        Task.FromResult(ApiOutcome.Ok());

    public Task<ApiOutcome> SetReservedConcurrencyAsync(string target, string name, JsonObject body, CancellationToken cancellationToken) =>
        Task.FromResult(ApiOutcome.Ok());

    public Task<ApiOutcome> RemoveReservedConcurrencyAsync(string target, string name, CancellationToken cancellationToken) =>
        Task.FromResult(ApiOutcome.Ok());

    public Task<ApiOutcome> SetProvisionedConcurrencyAsync(string target, string name, JsonObject body, CancellationToken cancellationToken) =>
        Task.FromResult(ApiOutcome.Ok());

    public Task<IReadOnlyList<WarmupPolicyInfo>> ListWarmupPoliciesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<WarmupPolicyInfo>>([]);

    public Task<ApiOutcome<WarmupPolicyInfo>> SetWarmupPolicyEnabledAsync(string id, bool enabled, long expectedRevision, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<ApiOutcome<WarmupRunResult>> RunWarmupPolicyAsync(string id, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task<IReadOnlyList<RateLimitInfo>> ListRateLimitsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RateLimitInfo>>([]);

    public Task<ApiOutcome<SimulationResult>> SimulateAsync(JsonObject request, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public static ConcurrencyPolicyInfo Policy(string id = "orders-live", long revision = 1, int max = 10) => new(
        id, "local", "orders", "live", 1, max, 0.7, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(6), 2,
        TimeSpan.FromMinutes(3), true, true, false, [], false, true, false, revision, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    private ApiOutcome<ConcurrencyPolicyInfo> Save(string call, JsonObject body, long? revision)
    {
        Sent.Add((call, body, revision));
        if (OnSave is not null)
        {
            return OnSave(body, revision);
        }

        var saved = Policy(body["id"]!.GetValue<string>(), (revision ?? 0) + 1, int.Parse(body["max"]!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture));
        Policies[saved.Id] = saved;
        return ApiOutcome<ConcurrencyPolicyInfo>.Ok(saved);
    }
}
