using System.Text.Json.Nodes;

namespace WarmKeeper.Dashboard.Client;

/// <summary>
/// The dashboard's one seam: everything it shows is read, and everything it changes is written,
/// through this interface. The agent implements it over its own REST API, so a change made here goes
/// through the same validation, revision checks, authorization and audit trail as one made with curl;
/// component tests give it a fake.
/// </summary>
/// <remarks>
/// Reads throw <see cref="DashboardApiException"/> when the agent cannot answer; changes never throw
/// for that, they return an <see cref="ApiOutcome"/> saying what happened.
/// Changes take the request body as JSON (the REST API's contract): a form sends what the person typed
/// and the API names every field it refuses, so the dashboard holds no copy of the rules.
/// </remarks>
public interface IWarmKeeperClient
{
    Task<IReadOnlyList<FunctionInfo>> ListFunctionsAsync(CancellationToken cancellationToken);

    /// <returns>null when the function (or its target) does not exist.</returns>
    Task<FunctionDetails?> GetFunctionAsync(string target, string name, CancellationToken cancellationToken);

    /// <param name="qualifier">A version or alias; null for all of the function.</param>
    Task<DemandSeries> GetDemandAsync(string target, string name, string? qualifier, TimeSpan window, TimeSpan step, CancellationToken cancellationToken);

    Task<IReadOnlyList<AgentEventInfo>> ListEventsAsync(EventFilter filter, CancellationToken cancellationToken);

    Task<IReadOnlyList<ConcurrencyPolicyInfo>> ListConcurrencyPoliciesAsync(CancellationToken cancellationToken);

    Task<ConcurrencyPolicyInfo?> GetConcurrencyPolicyAsync(string id, CancellationToken cancellationToken);

    Task<ApiOutcome<ConcurrencyPolicyInfo>> CreateConcurrencyPolicyAsync(JsonObject policy, CancellationToken cancellationToken);

    /// <param name="expectedRevision">The revision the edit started from; a newer stored one refuses the change (<see cref="OutcomeStatus.Stale"/>).</param>
    Task<ApiOutcome<ConcurrencyPolicyInfo>> UpdateConcurrencyPolicyAsync(string id, JsonObject policy, long expectedRevision, CancellationToken cancellationToken);

    Task<ApiOutcome> DeleteConcurrencyPolicyAsync(string id, long expectedRevision, CancellationToken cancellationToken);

    /// <param name="body"><c>{"value": n}</c>.</param>
    Task<ApiOutcome> SetReservedConcurrencyAsync(string target, string name, JsonObject body, CancellationToken cancellationToken);

    Task<ApiOutcome> RemoveReservedConcurrencyAsync(string target, string name, CancellationToken cancellationToken);

    /// <param name="body"><c>{"qualifier": "live", "value": n}</c>.</param>
    Task<ApiOutcome> SetProvisionedConcurrencyAsync(string target, string name, JsonObject body, CancellationToken cancellationToken);

    Task<IReadOnlyList<WarmupPolicyInfo>> ListWarmupPoliciesAsync(CancellationToken cancellationToken);

    /// <summary>Turns a warm-up policy on or off, from the revision the person saw.</summary>
    Task<ApiOutcome<WarmupPolicyInfo>> SetWarmupPolicyEnabledAsync(string id, bool enabled, long expectedRevision, CancellationToken cancellationToken);

    Task<ApiOutcome<WarmupRunResult>> RunWarmupPolicyAsync(string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<RateLimitInfo>> ListRateLimitsAsync(CancellationToken cancellationToken);

    /// <param name="request">The body of <c>POST /api/v1/simulations</c>.</param>
    Task<ApiOutcome<SimulationResult>> SimulateAsync(JsonObject request, CancellationToken cancellationToken);
}
