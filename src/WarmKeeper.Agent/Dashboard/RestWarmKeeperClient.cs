using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components.Authorization;
using WarmKeeper.Agent.Security;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Dashboard.Client;
using WarmKeeper.Dashboard.Security;

namespace WarmKeeper.Agent.Dashboard;

/// <summary>
/// The dashboard's seam, implemented over the agent's own REST API on its own listener: every change
/// goes through the same validation, If-Match revisions, authorization and events as any API client,
/// made with the signed-in person's key (or as the local operator on loopback when no keys are configured).
/// </summary>
internal sealed partial class RestWarmKeeperClient(
    HttpClient http, AgentSelfAddress self, AuthenticationStateProvider authentication, DashboardSessions sessions, ILogger<RestWarmKeeperClient> logger) : IWarmKeeperClient
{
    public const string HttpClientName = "warmkeeper-dashboard";

    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    /// <summary>Fields a GET shows that a PUT does not take.</summary>
    private static readonly string[] ReadOnlyFields = ["revision", "created", "updated", "status"];

    public async Task<IReadOnlyList<FunctionInfo>> ListFunctionsAsync(CancellationToken cancellationToken) =>
        await ReadAsync<List<FunctionInfo>>("api/v1/functions", cancellationToken) ?? [];

    public Task<FunctionDetails?> GetFunctionAsync(string target, string name, CancellationToken cancellationToken) =>
        ReadAsync<FunctionDetails>($"api/v1/functions/{Segment(target)}/{Segment(name)}", cancellationToken);

    public async Task<DemandSeries> GetDemandAsync(
        string target, string name, string? qualifier, TimeSpan window, TimeSpan step, CancellationToken cancellationToken)
    {
        var query = $"window={Span(window)}&step={Span(step)}" + (qualifier is null ? "" : $"&qualifier={Uri.EscapeDataString(qualifier)}");
        return await ReadAsync<DemandSeries>($"api/v1/functions/{Segment(target)}/{Segment(name)}/metrics?{query}", cancellationToken)
               ?? new DemandSeries(target, name, qualifier, step, []);
    }

    public async Task<IReadOnlyList<AgentEventInfo>> ListEventsAsync(EventFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = new StringBuilder($"limit={filter.Limit.ToString(CultureInfo.InvariantCulture)}");
        if (filter.Function is not null)
        {
            query.Append("&function=").Append(Uri.EscapeDataString(filter.Function));
        }

        if (filter.Kind is not null)
        {
            query.Append("&kind=").Append(Uri.EscapeDataString(filter.Kind));
        }

        if (filter.Since is { } since)
        {
            query.Append("&since=").Append(Uri.EscapeDataString(since.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)));
        }

        var page = await ReadAsync<EventPageInfo>($"api/v1/events?{query}", cancellationToken);
        return page?.Events ?? [];
    }

    public async Task<IReadOnlyList<ConcurrencyPolicyInfo>> ListConcurrencyPoliciesAsync(CancellationToken cancellationToken) =>
        await ReadAsync<List<ConcurrencyPolicyInfo>>("api/v1/concurrency-policies", cancellationToken) ?? [];

    public Task<ConcurrencyPolicyInfo?> GetConcurrencyPolicyAsync(string id, CancellationToken cancellationToken) =>
        ReadAsync<ConcurrencyPolicyInfo>($"api/v1/concurrency-policies/{Segment(id)}", cancellationToken);

    public Task<ApiOutcome<ConcurrencyPolicyInfo>> CreateConcurrencyPolicyAsync(JsonObject policy, CancellationToken cancellationToken) =>
        ChangeAsync<ConcurrencyPolicyInfo>(HttpMethod.Post, "api/v1/concurrency-policies", policy, null, cancellationToken);

    public Task<ApiOutcome<ConcurrencyPolicyInfo>> UpdateConcurrencyPolicyAsync(string id, JsonObject policy, long expectedRevision, CancellationToken cancellationToken) =>
        ChangeAsync<ConcurrencyPolicyInfo>(HttpMethod.Put, $"api/v1/concurrency-policies/{Segment(id)}", policy, expectedRevision, cancellationToken);

    public async Task<ApiOutcome> DeleteConcurrencyPolicyAsync(string id, long expectedRevision, CancellationToken cancellationToken) =>
        await ChangeAsync<JsonNode>(HttpMethod.Delete, $"api/v1/concurrency-policies/{Segment(id)}", null, expectedRevision, cancellationToken);

    public async Task<ApiOutcome> SetReservedConcurrencyAsync(string target, string name, JsonObject body, CancellationToken cancellationToken) =>
        await ChangeAsync<JsonNode>(HttpMethod.Put, $"api/v1/functions/{Segment(target)}/{Segment(name)}/reserved-concurrency", body, null, cancellationToken);

    public async Task<ApiOutcome> RemoveReservedConcurrencyAsync(string target, string name, CancellationToken cancellationToken) =>
        await ChangeAsync<JsonNode>(HttpMethod.Delete, $"api/v1/functions/{Segment(target)}/{Segment(name)}/reserved-concurrency", null, null, cancellationToken);

    public async Task<ApiOutcome> SetProvisionedConcurrencyAsync(string target, string name, JsonObject body, CancellationToken cancellationToken) =>
        await ChangeAsync<JsonNode>(HttpMethod.Put, $"api/v1/functions/{Segment(target)}/{Segment(name)}/provisioned-concurrency", body, null, cancellationToken);

    public async Task<IReadOnlyList<WarmupPolicyInfo>> ListWarmupPoliciesAsync(CancellationToken cancellationToken) =>
        await ReadAsync<List<WarmupPolicyInfo>>("api/v1/warmup-policies", cancellationToken) ?? [];

    public async Task<ApiOutcome<WarmupPolicyInfo>> SetWarmupPolicyEnabledAsync(string id, bool enabled, long expectedRevision, CancellationToken cancellationToken)
    {
        // The API replaces a policy whole: read it, change one field, and write it back under the
        // revision the person saw, so a change made meanwhile is refused rather than overwritten.
        var path = $"api/v1/warmup-policies/{Segment(id)}";
        JsonObject? current;
        try
        {
            current = await ReadAsync<JsonObject>(path, cancellationToken);
        }
        catch (DashboardApiException e)
        {
            return new ApiOutcome<WarmupPolicyInfo>(OutcomeStatus.Failed, Title: e.Message);
        }

        if (current is null)
        {
            return new ApiOutcome<WarmupPolicyInfo>(OutcomeStatus.NotFound, Title: $"Warm-up policy '{id}' was not found.");
        }

        current["enabled"] = enabled;
        return await ChangeAsync<WarmupPolicyInfo>(HttpMethod.Put, path, current, expectedRevision, cancellationToken);
    }

    public async Task<ApiOutcome<WarmupRunResult>> RunWarmupPolicyAsync(string id, CancellationToken cancellationToken)
    {
        var outcome = await ChangeAsync<JsonObject>(HttpMethod.Post, $"api/v1/warmup-policies/{Segment(id)}/run", null, null, cancellationToken);
        if (!outcome.Succeeded || outcome.Value is not { } run)
        {
            return ApiOutcome<WarmupRunResult>.From(outcome);
        }

        var data = run["data"] as JsonObject ?? [];
        var kind = run["kind"]?.GetValue<string>() ?? "";
        return ApiOutcome<WarmupRunResult>.Ok(new WarmupRunResult(
            run["eventId"]?.GetValue<long>() ?? 0, kind, run["summary"]?.GetValue<string>() ?? "",
            kind == EventKinds.WarmupRun ? WarmupRunReport.FromJson(data) : null,
            kind == EventKinds.WarmupRun ? null : WarmupRunFailure.FromJson(data)));
    }

    public async Task<IReadOnlyList<RateLimitInfo>> ListRateLimitsAsync(CancellationToken cancellationToken) =>
        await ReadAsync<List<RateLimitInfo>>("api/v1/rate-limits", cancellationToken) ?? [];

    public Task<ApiOutcome<SimulationResult>> SimulateAsync(JsonObject request, CancellationToken cancellationToken) =>
        ChangeAsync<SimulationResult>(HttpMethod.Post, "api/v1/simulations", request, null, cancellationToken);

    /// <returns>null on 404; throws <see cref="DashboardApiException"/> for any other failure.</returns>
    private async Task<T?> ReadAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, path, null, null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return default;
        }

        if (!response.IsSuccessStatusCode)
        {
            var problem = await ReadProblemAsync(response, cancellationToken);
            throw new DashboardApiException(problem.Status == OutcomeStatus.Failed ? problem.Message : $"{problem.Title} {problem.Message}");
        }

        try
        {
            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken);
        }
        catch (JsonException e)
        {
            throw new DashboardApiException($"The agent's answer to GET /{path} was not what the dashboard reads: {e.Message}", e);
        }
    }

    private async Task<ApiOutcome<T>> ChangeAsync<T>(HttpMethod method, string path, JsonObject? body, long? expectedRevision, CancellationToken cancellationToken)
    {
        if (body is not null && method == HttpMethod.Put)
        {
            body = (JsonObject)body.DeepClone();
            foreach (var field in ReadOnlyFields)
            {
                body.Remove(field);
            }
        }

        try
        {
            using var response = await SendAsync(method, path, body, expectedRevision, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return ApiOutcome<T>.From(await ReadProblemAsync(response, cancellationToken));
            }

            var value = response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0
                ? default
                : await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken);
            return new ApiOutcome<T>(OutcomeStatus.Succeeded, value);
        }
        catch (DashboardApiException e)
        {
            // A change never throws at a page: it tells what happened. (Whether the agent applied
            // it before failing to answer is unknown; the page reloads and shows what is stored.)
            return new ApiOutcome<T>(OutcomeStatus.Failed, Title: e.Message);
        }
        catch (JsonException e)
        {
            return new ApiOutcome<T>(OutcomeStatus.Failed, Title: $"The change was made, but the agent's answer could not be read: {e.Message}");
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, JsonObject? body, long? expectedRevision, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(self.BaseAddress, path));
        var user = (await authentication.GetAuthenticationStateAsync()).User;
        // An ended session sends no key, and the API answers 401: the page says to sign in again.
        if (user.FindFirst(DashboardSecurity.SessionClaim)?.Value is { Length: > 0 } session && sessions.KeyFor(session) is { } key)
        {
            request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        }

        if (expectedRevision is { } revision)
        {
            request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{revision.ToString(CultureInfo.InvariantCulture)}\""));
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            LogCallFailed(e, method.Method, path);
            throw new DashboardApiException($"The agent's API did not answer: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            LogCallFailed(e, method.Method, path);
            throw new DashboardApiException($"The agent's API did not answer within {http.Timeout.TotalSeconds:0} s.", e);
        }
    }

    private static async Task<ApiOutcome> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = response.StatusCode switch
        {
            HttpStatusCode.BadRequest => OutcomeStatus.Invalid,
            HttpStatusCode.Unauthorized => OutcomeStatus.Unauthorized,
            HttpStatusCode.Forbidden => OutcomeStatus.Forbidden,
            HttpStatusCode.NotFound => OutcomeStatus.NotFound,
            HttpStatusCode.Conflict => OutcomeStatus.Conflict,
            HttpStatusCode.PreconditionFailed => OutcomeStatus.Stale,
            _ => OutcomeStatus.Failed,
        };
        string? title = null, detail = null;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (text.Length > 0 && JsonNode.Parse(text) is JsonObject problem)
            {
                title = problem["title"]?.GetValue<string>();
                detail = problem["detail"]?.GetValue<string>();
                if (problem["errors"] is JsonObject fields)
                {
                    foreach (var (field, messages) in fields)
                    {
                        errors[field] = messages is JsonArray list ? [.. list.Select(m => m?.ToString() ?? "")] : [messages?.ToString() ?? ""];
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not problem details: the status says enough.
        }

        title ??= $"The agent answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        return new ApiOutcome(status, title, detail, errors);
    }

    private static string Segment(string value) => Uri.EscapeDataString(value);

    private static string Span(TimeSpan span) => span.ToString("c", CultureInfo.InvariantCulture);

    private sealed record EventPageInfo(List<AgentEventInfo> Events, long? NextBefore);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dashboard: {Method} {Path} on the agent's own API failed")]
    private partial void LogCallFailed(Exception exception, string method, string path);
}
