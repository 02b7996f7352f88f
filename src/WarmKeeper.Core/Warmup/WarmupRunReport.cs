using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace WarmKeeper.Core.Warmup;

/// <summary>
/// The account of one run: what <see cref="WarmupRun"/> returns, the data of its <c>warmup.run</c>
/// event, what the manual-run endpoint answers and what the dashboard reads back. Its JSON (camelCase,
/// in declaration order) is the REST contract, so every nullable field is written even where the
/// host leaves nulls out.
/// </summary>
public sealed record WarmupRunReport
{
    /// <summary>Why the run happened (schedule, created, enabled, manual); set by whoever started it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Trigger { get; init; }

    public string CorrelationId { get; init; } = "";
    public int Requested { get; init; }
    public int Sent { get; init; }
    public int Cold { get; init; }
    public int Warm { get; init; }

    /// <summary>Distinct environments reached; null when the function reports no environment ids.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int? DistinctEnvironments { get; init; }

    /// <summary>
    /// How the environments were counted (<see cref="EnvironmentCountMethods"/>: <c>runtime-header</c>,
    /// <c>cloudwatch-logs</c>, <c>function-reported</c>; joined with '+' when a run used several); null when not counted.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? EnvironmentsCountedBy { get; init; }

    /// <summary>Why environments were not counted, or why some pings are missing from the count; null when nothing is missing.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? EnvironmentsNote { get; init; }

    public int Errors { get; init; }
    public int Throttled { get; init; }
    public int TopUpPings { get; init; }

    /// <summary>Did the run leave as many distinct warm environments as it was allowed to send? Null when it cannot tell.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public bool? Reached { get; init; }

    public bool Capped { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? CapReason { get; init; }

    /// <summary>The headroom the fan-out was capped by, as measured before the run.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int? ReservedConcurrency { get; init; }

    public int UnreservedConcurrency { get; init; }
    public int InFlight { get; init; }

    /// <summary>Wall time of the run, to 0.1 ms.</summary>
    public double ElapsedMs { get; init; }

    public IReadOnlyList<string> ErrorSamples { get; init; } = [];

    /// <summary>Did the run do what it was asked: no errors and, where it can tell, every environment reached?</summary>
    [JsonIgnore]
    public bool Healthy => Errors == 0 && Reached != false;

    /// <summary>The event data of the run.</summary>
    public JsonObject ToJson() => (JsonObject)JsonSerializer.SerializeToNode(this, JsonSerializerOptions.Web)!;

    /// <summary>A run's event data read back; fields an older agent did not write keep their defaults.</summary>
    public static WarmupRunReport FromJson(JsonObject data) =>
        data.Deserialize<WarmupRunReport>(JsonSerializerOptions.Web) ?? throw new JsonException("A warm-up report is an object.");
}

/// <summary>The data of a <c>warmup.run.failed</c> event: a run that could not be made at all.</summary>
public sealed record WarmupRunFailure(string Trigger, string Error)
{
    public JsonObject ToJson() => (JsonObject)JsonSerializer.SerializeToNode(this, JsonSerializerOptions.Web)!;

    public static WarmupRunFailure FromJson(JsonObject data) =>
        data.Deserialize<WarmupRunFailure>(JsonSerializerOptions.Web) ?? throw new JsonException("A warm-up failure is an object.");
}
