using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WarmKeeper.Agent.Api;
using WarmKeeper.Agent.Security;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Core.Observations;
using WarmKeeper.Core.Simulation;
using WarmKeeper.Core.Validation;
using WarmKeeper.Lambda;

namespace WarmKeeper.Agent.Simulation;

/// <summary>The summary of the trace a simulation replayed.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Functions">Its functions.</param>
/// <param name="Invocations">Its invocations.</param>
/// <param name="LengthMs">How long it runs.</param>
public sealed record SimulatedTrace(string Name, IReadOnlyList<TraceFunction> Functions, int Invocations, long LengthMs);

/// <summary>The answer of <c>POST /api/v1/simulations</c>.</summary>
/// <param name="Trace">What was replayed.</param>
/// <param name="Results">One row per policy and REAP, as <c>warmkeeper simulate --format json</c> prints them.</param>
/// <param name="ElapsedMs">How long the simulation took.</param>
public sealed record SimulationResponse(SimulatedTrace Trace, IReadOnlyList<SimulationRow> Results, long ElapsedMs);

/// <summary>
/// <c>POST /api/v1/simulations</c>: what-if over an uploaded trace (<c>trace.functionsCsv</c> and
/// <c>trace.invocationsCsv</c>, the files' contents) or over a function's recorded demand in a window
/// (<c>recorded.target</c>, <c>recorded.function</c>, <c>recorded.from</c>, <c>recorded.to</c>), for the given
/// <c>policies</c> and <c>reapMinutes</c>. It changes nothing, and runs within <see cref="SimulationOptions"/>.
/// </summary>
internal static class SimulationsApi
{
    /// <summary>Most (policy, REAP) runs one request may ask for.</summary>
    public const int MaxRuns = 60;

    /// <summary>The invocation log recorded demand is read from, and the limits of <see cref="SimulationOptions"/>.</summary>
    public static IServiceCollection AddSimulations(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => new InvocationLog());
        services.AddSingleton<IInvocationObserver>(sp => sp.GetRequiredService<InvocationLog>());
        services.AddOptions<SimulationOptions>().Bind(configuration.GetSection(SimulationOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SimulationOptions>, SimulationOptionsValidator>();
        services.AddSingleton<SimulationLimiter>();
        return services;
    }

    public static IEndpointRouteBuilder MapSimulationsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/v1/simulations", SimulateAsync).WithTags("simulations").WithName("Simulate")
            .WithSummary("Replays an uploaded trace, or a function's recorded demand in a window, against policies on the platform model; returns cold starts and cost per policy and REAP.")
            .Accepts<JsonElement>("application/json")
            .Produces<SimulationResponse>()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            // Read scope is enough: a simulation reads only what a reader sees already (recorded demand is on the
            // metrics endpoint) and changes nothing. What made it a risk was unbounded work, and that is bounded now
            // (MaxConcurrent simulations of at most half the cores each, size limits checked before any run, and a
            // stop when the caller goes). Asking for write scope would make the people choosing a policy before
            // someone applies it hold keys that can change every setting: a worse trade.
            .RequireAuthorization(SecurityServiceCollectionExtensions.ReadPolicy);
        return endpoints;
    }

    private static async Task<Results<Ok<SimulationResponse>, ValidationProblem, ProblemHttpResult>> SimulateAsync(
        HttpRequest request, ILambdaTargets targets, InvocationLog log, SimulationLimiter limiter, CancellationToken cancellationToken)
    {
        // The permit is taken before the body is read: reading and parsing megabytes is work to bound too.
        using var permit = limiter.TryEnter();
        if (!permit.IsAcquired)
        {
            return limiter.Busy(request.HttpContext.Response);
        }

        if (await limiter.ReadBodyAsync(request, cancellationToken) is not { } bytes)
        {
            return SimulationLimiter.TooLarge("body", nameof(SimulationOptions.MaxBodyBytes),
                $"The body is larger than {limiter.Options.MaxBodyBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes.");
        }

        var errors = new ValidationErrors();
        JsonElement body;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            body = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            errors.Add("body", $"The body is not valid JSON: {e.Message}");
            return ApiResults.Invalid(errors);
        }

        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("body", "The body must be a JSON object.");
            return ApiResults.Invalid(errors);
        }

        foreach (var property in body.EnumerateObject())
        {
            if (property.Name is not ("trace" or "recorded" or "policies" or "reapMinutes"))
            {
                errors.Add(property.Name, $"Unknown field '{property.Name}'.");
            }
        }

        var policies = ReadPolicies(body, errors);
        var reaps = ReadReaps(body, errors);
        if (policies.Count * reaps.Count > MaxRuns)
        {
            errors.Add("policies", $"{policies.Count} policies × {reaps.Count} REAP values is more than {MaxRuns} runs; ask for fewer.");
        }

        var hasTrace = body.TryGetProperty("trace", out var traceJson);
        var hasRecorded = body.TryGetProperty("recorded", out var recordedJson);
        DemandTrace? trace = null;
        if (hasTrace == hasRecorded)
        {
            errors.Add("body", "Give exactly one of 'trace' (an uploaded trace) and 'recorded' (a function's recorded demand).");
        }
        else if (hasTrace)
        {
            trace = ReadUploadedTrace(traceJson, errors);
        }
        else
        {
            trace = await ReadRecordedTraceAsync(recordedJson, targets, log, errors, cancellationToken);
        }

        if (!errors.IsValid || trace is null)
        {
            return ApiResults.Invalid(errors);
        }

        if (limiter.CheckSize(trace, hasTrace ? "trace" : "recorded") is { } tooLarge)
        {
            return tooLarge;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var runs = SimulationRunner.Combine(trace, policies.Select(p => PolicyCatalog.Get(p, trace)), reaps);
        var results = await limiter.RunAsync(runs, cancellationToken);
        return TypedResults.Ok(new SimulationResponse(
            new SimulatedTrace(trace.Name, trace.Functions, trace.InvocationCount, trace.LengthMs),
            [.. results.Select(SimulationRow.From)],
            clock.ElapsedMilliseconds));
    }

    private static List<string> ReadPolicies(JsonElement body, ValidationErrors errors)
    {
        if (!body.TryGetProperty("policies", out var json))
        {
            return [.. PolicyCatalog.DefaultNames];
        }

        var policies = new List<string>();
        if (json.ValueKind != JsonValueKind.Array || json.GetArrayLength() == 0)
        {
            errors.Add("policies", $"policies must be a non-empty array of names: {string.Join(", ", PolicyCatalog.Names)}.");
            return policies;
        }

        var index = 0;
        foreach (var item in json.EnumerateArray())
        {
            var name = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            if (name is null || !PolicyCatalog.IsKnown(name))
            {
                errors.Add($"policies[{index}]", $"Unknown policy {item}; known: {string.Join(", ", PolicyCatalog.Names)}.");
            }
            else if (!policies.Contains(name, StringComparer.Ordinal))
            {
                policies.Add(name);
            }

            index++;
        }

        return policies;
    }

    private static List<TimeSpan> ReadReaps(JsonElement body, ValidationErrors errors)
    {
        if (!body.TryGetProperty("reapMinutes", out var json))
        {
            return [TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)];
        }

        var reaps = new List<TimeSpan>();
        if (json.ValueKind != JsonValueKind.Array || json.GetArrayLength() == 0)
        {
            errors.Add("reapMinutes", "reapMinutes must be a non-empty array of minutes, e.g. [5, 10, 30].");
            return reaps;
        }

        var index = 0;
        foreach (var item in json.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Number && item.TryGetDouble(out var minutes) && minutes > 0 && minutes <= 24 * 60)
            {
                reaps.Add(TimeSpan.FromMinutes(minutes));
            }
            else
            {
                errors.Add($"reapMinutes[{index}]", $"{item} is not a number of minutes in (0, 1440].");
            }

            index++;
        }

        return [.. reaps.Distinct()];
    }

    private static DemandTrace? ReadUploadedTrace(JsonElement json, ValidationErrors errors)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            errors.Add("trace", "trace must be an object with functionsCsv and invocationsCsv (the two files' contents).");
            return null;
        }

        string? Field(string name)
        {
            if (json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
            {
                return value.GetString();
            }

            errors.Add($"trace.{name}", $"trace.{name} is required: the content of {(name == "functionsCsv" ? TraceReader.FunctionsFileName : TraceReader.InvocationsFileName)}.");
            return null;
        }

        var functions = Field("functionsCsv");
        var invocations = Field("invocationsCsv");
        var name = json.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() ?? "upload" : "upload";
        if (functions is null || invocations is null)
        {
            return null;
        }

        try
        {
            return TraceReader.Parse(name, TraceReader.FunctionsFileName, Encoding.UTF8.GetBytes(functions), TraceReader.InvocationsFileName, Encoding.UTF8.GetBytes(invocations));
        }
        catch (TraceFormatException e)
        {
            foreach (var error in e.Errors)
            {
                var field = error.File == TraceReader.FunctionsFileName ? "trace.functionsCsv" : "trace.invocationsCsv";
                errors.Add(field, error.Line > 0 ? $"line {error.Line}: {error.Reason}" : error.Reason);
            }

            if (e.Errors.Count == 0)
            {
                errors.Add("trace", e.Message);
            }

            return null;
        }
    }

    private static async Task<DemandTrace?> ReadRecordedTraceAsync(
        JsonElement json, ILambdaTargets targets, InvocationLog log, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            errors.Add("recorded", "recorded must be an object: {target, function, from, to} (from/to as ISO 8601 instants).");
            return null;
        }

        string? Text(string name)
        {
            if (json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString()))
            {
                return value.GetString();
            }

            errors.Add($"recorded.{name}", $"recorded.{name} is required.");
            return null;
        }

        DateTimeOffset? Instant(string name)
        {
            var text = Text(name);
            if (text is null)
            {
                return null;
            }

            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
            {
                return instant;
            }

            errors.Add($"recorded.{name}", $"'{text}' is not an ISO 8601 instant.");
            return null;
        }

        int? Optional(string name, int min, int max)
        {
            if (!json.TryGetProperty(name, out var value))
            {
                return null;
            }

            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= min && number <= max)
            {
                return number;
            }

            errors.Add($"recorded.{name}", $"recorded.{name} must be a whole number in [{min}, {max}].");
            return null;
        }

        foreach (var property in json.EnumerateObject())
        {
            if (property.Name is not ("target" or "function" or "from" or "to" or "memoryMb" or "initMs"))
            {
                errors.Add($"recorded.{property.Name}", $"Unknown field '{property.Name}'.");
            }
        }

        var target = Text("target");
        var function = Text("function");
        var from = Instant("from");
        var to = Instant("to");
        var memory = Optional("memoryMb", 128, 10_240);
        var init = Optional("initMs", 0, 600_000);
        ILambdaControlPlane? lambda = null;
        if (target is not null && !targets.TryGet(target, out lambda))
        {
            errors.Add("recorded.target", $"Unknown target '{target}'; known: {string.Join(", ", targets.Names)}.");
        }

        if (from is { } start && to is { } end && (end <= start || end - start > TimeSpan.FromMilliseconds(DemandTrace.HorizonMs)))
        {
            errors.Add("recorded.to", "recorded.to must be after recorded.from, at most 24 h later.");
        }

        if (!errors.IsValid || lambda is null || function is null || from is null || to is null)
        {
            return null;
        }

        if (memory is null)
        {
            try
            {
                memory = (await lambda.GetFunctionAsync(function, null, cancellationToken)).Configuration.MemorySize;
            }
            catch (LambdaResourceNotFoundException)
            {
                errors.Add("recorded.function", $"Function '{function}' was not found on target '{target}'.");
                return null;
            }
        }

        var invocations = log.Window(target!, function, from.Value, to.Value);
        if (invocations.Count == 0)
        {
            errors.Add("recorded.function", $"No invocations of '{function}' on '{target}' were recorded between {from:O} and {to:O} (the agent keeps the last {InvocationLog.DefaultCapacity:N0} per function since it started).");
            return null;
        }

        // Init as the function's own cold starts showed it, unless given.
        var inits = invocations.Where(i => i.InitMs > 0).Select(i => i.InitMs).Order().ToArray();
        var initMs = init ?? (inits.Length > 0 ? inits[inits.Length / 2] : 0);
        return InvocationLog.ToTrace($"{target}/{function}", new TraceFunction(function, memory.Value > 0 ? memory.Value : 128, initMs), invocations, from.Value, to.Value);
    }
}
