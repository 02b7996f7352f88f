using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.OpenApi;

namespace WarmKeeper.Testing;

/// <summary>One generated request: the operation it aims at and what is sent.</summary>
public sealed record FuzzRequest(string Operation, string Method, string Path, string Query, string? Body, string? ContentType)
{
    public override string ToString() => $"{Method} {Path}{Query} [{ContentType ?? "no content type"}] {(Body is { Length: > 300 } ? Body[..300] + "…" : Body)}";
}

/// <summary>
/// Schema-driven fuzzing of a running agent: reads its own OpenAPI document, generates valid, boundary
/// and invalid requests (path and query parameters, bodies, content types) for every operation, and
/// checks each answer: no 5xx, a status the document lists for the operation, problem details for every
/// 4xx (naming a field for a 400, 413 or 415), and no collection changed by a refused request.
/// Shared by the test suite (a bounded run) and the benchmark (a long one).
/// </summary>
public sealed class ApiFuzzer
{
    /// <summary>Every collection a refused request must leave as it was.</summary>
    private static readonly string[] Collections = ["/api/v1/warmup-policies", "/api/v1/concurrency-policies", "/api/v1/rate-limits"];

    /// <summary>Values the built-in runtime and the shipped configuration make valid, so some requests get past validation.</summary>
    private static readonly Dictionary<string, string[]> Known = new(StringComparer.Ordinal)
    {
        ["id"] = ["f1", "f2", "a", new string('a', 64)],
        ["target"] = ["local"],
        ["function"] = ["hello", "orders"],
        ["name"] = ["hello", "orders"],
        ["qualifier"] = ["live", "1", "$LATEST"],
        ["schedule"] = ["0 0 1 1 *", "*/5 * * * *"],
        ["cron"] = ["0 0 1 1 *"],
        ["timeZone"] = ["UTC", "Europe/Paris"],
        ["payloadFormat"] = ["warmkeeper", "custom", "lambda-warmer"],
        ["warmupPings"] = ["exemptFromRate", "exempt", "limited"],
        ["kind"] = ["warmup.run", "config.change"],
        ["since"] = ["2026-01-01T00:00:00Z"],
        ["window"] = ["00:10:00"],
        ["step"] = ["00:00:10"],
        ["maxQueueWait"] = ["00:00:01"],
    };

    /// <summary>Strings that break rules: control characters, a final newline, a lone surrogate, too long, not a number.</summary>
    private static readonly string[] Hostile =
    [
        "", " ", "w\n", "a\r\n", "he\u0001llo", "\ud800", "x\udfff", new string('z', 65), new string('q', 300), "-1", "1e400",
        "abc", "'; DROP TABLE events; --", "../../etc/passwd", "日本語", "\u00e9", "*", "{}", "null",
    ];

    private readonly HttpClient _client;

    private readonly List<(string Path, string Method, OpenApiOperation Operation)> _operations;

    private ApiFuzzer(HttpClient client, List<(string, string, OpenApiOperation)> operations)
    {
        _client = client;
        _operations = operations;
    }

    /// <summary>The operations of the document, by "METHOD path".</summary>
    public IReadOnlyList<string> Operations => _operations.Select(o => $"{o.Method} {o.Path}").ToList();

    /// <summary>Reads the agent's own OpenAPI document (<c>/openapi/v1.json</c>).</summary>
    public static async Task<ApiFuzzer> CreateAsync(HttpClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var json = await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), cancellationToken);
        var read = OpenApiDocument.Parse(json, "json");
        var document = read.Document ?? throw new InvalidOperationException($"The OpenAPI document could not be read: {string.Join("; ", read.Diagnostic?.Errors.Select(e => e.Message) ?? [])}");
        var operations = new List<(string, string, OpenApiOperation)>();
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                operations.Add((path, method.ToString().ToUpperInvariant(), operation));
            }
        }

        return new ApiFuzzer(client, operations);
    }

    /// <summary>Requests for every operation, by the document.</summary>
    public Gen<FuzzRequest> Requests() =>
        Gen.Int[0, _operations.Count - 1].SelectMany(i =>
        {
            var (path, method, operation) = _operations[i];
            var parameters = operation.Parameters ?? [];
            var pathGen = parameters.Where(p => p.In == ParameterLocation.Path).Aggregate(
                Gen.Const(path),
                (g, p) => g.SelectMany(text => StringFor(p.Name!).Where(v => v.Length > 0).Select(v => text.Replace("{" + p.Name + "}", Uri.EscapeDataString(v), StringComparison.Ordinal))));
            var queryGen = parameters.Where(p => p.In == ParameterLocation.Query).Aggregate(
                Gen.Const(""),
                (g, p) => g.SelectMany(text => Gen.Frequency(
                    (3, Gen.Const(text)),
                    (3, StringFor(p.Name!).Select(v => $"{text}&{p.Name}={Uri.EscapeDataString(v)}")),
                    (1, StringFor(p.Name!).Select(v => $"{text}&{p.Name}={Uri.EscapeDataString(v)}&{p.Name}={Uri.EscapeDataString(v)}")))));
            var schema = operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true ? media.Schema : null;
            var bodyGen = method is "POST" or "PUT"
                ? Gen.Frequency(
                    (8, ObjectFor(schema, 0).Select(n => (string?)n.ToJsonString())),
                    (1, Gen.OneOf<string?>(null, "", "{", "[]", "{\"a\":1,\"a\":2}", "\"text\"", new StringBuilder().Insert(0, "[", 40).Append(']', 40).ToString())))
                : Gen.Const<string?>(default(string));
            var typeGen = Gen.Frequency((12, Gen.Const<string?>("application/json")), (1, Gen.Const<string?>("text/plain")), (1, Gen.Const<string?>(default(string))));
            return Gen.Select(pathGen, queryGen, bodyGen, typeGen, (p, q, b, t) =>
                new FuzzRequest(operation.OperationId ?? $"{method} {path}", method, p, q.Length == 0 ? "" : "?" + q[1..], b, b is null ? null : t));
        });

    /// <summary>Sends one request and returns what is wrong with the answer (nothing when all is well).</summary>
    public async Task<(int Status, IReadOnlyList<string> Problems)> SendAsync(FuzzRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var writes = request.Method != "GET";
        var before = writes ? await SnapshotAsync(cancellationToken) : null;
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(request.Path + request.Query, UriKind.Relative));
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.Body));
            message.Content.Headers.ContentType = request.ContentType is null ? null : new MediaTypeHeaderValue(request.ContentType);
        }

        using var response = await _client.SendAsync(message, cancellationToken);
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var problems = new List<string>();
        var operation = _operations.FirstOrDefault(o => (o.Operation.OperationId ?? $"{o.Method} {o.Path}") == request.Operation).Operation;
        if (status >= 500)
        {
            problems.Add($"5xx: {status} {text}");
        }

        var responses = operation?.Responses;
        if (responses is not null && !responses.ContainsKey(status.ToString(System.Globalization.CultureInfo.InvariantCulture))
            && !responses.ContainsKey($"{status / 100}XX") && !responses.ContainsKey("default"))
        {
            problems.Add($"schema mismatch: {status} is not documented for {request.Operation} (documented: {string.Join(", ", responses.Keys)})");
        }

        if (status is >= 400 and < 500)
        {
            if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                problems.Add($"{status} without problem details: '{text}'");
            }
            else if (status is 400 or 413 or 415 && !NamesAField(text))
            {
                problems.Add($"{status} naming no field: {text}");
            }

            if (before is not null && !before.SequenceEqual(await SnapshotAsync(cancellationToken)))
            {
                problems.Add($"a refused request ({status}) changed a collection");
            }
        }

        return (status, problems);
    }

    private static bool NamesAField(string problem)
    {
        try
        {
            return JsonNode.Parse(problem)?["errors"] is JsonObject { Count: > 0 };
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private async Task<List<string>> SnapshotAsync(CancellationToken cancellationToken)
    {
        var lists = new List<string>();
        foreach (var collection in Collections)
        {
            lists.Add(await _client.GetStringAsync(new Uri(collection, UriKind.Relative), cancellationToken));
        }

        return lists;
    }

    private static Gen<string> StringFor(string name) =>
        Known.TryGetValue(name, out var good)
            ? Gen.Frequency((4, Gen.OneOf(good)), (1, Gen.OneOf(Hostile)), (1, Gen.String[Gen.Char.AlphaNumeric, 0, 20]))
            : Gen.Frequency((2, Gen.OneOf(Hostile)), (2, Gen.String[Gen.Char.AlphaNumeric, 0, 20]), (1, Gen.Int[-5, 100].Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    private static Gen<JsonNode?> ValueFor(string name, IOpenApiSchema? schema, int depth)
    {
        var type = schema?.Type ?? 0;
        var hostile = Gen.OneOf<JsonNode?>(
            Gen.Const<JsonNode?>(default(JsonNode)), Gen.Const<JsonNode?>("\ud800"), Gen.Const<JsonNode?>(JsonValue.Create(1e300)), Gen.Const<JsonNode?>(new JsonArray()),
            Gen.Const<JsonNode?>(new JsonObject()), Gen.Const<JsonNode?>(JsonValue.Create(-1)), Gen.Const<JsonNode?>(JsonValue.Create(long.MaxValue)));
        Gen<JsonNode?> typed =
            type.HasFlag(JsonSchemaType.Integer) ? Gen.Frequency((3, Gen.Int[-2, 20].Select(i => (JsonNode?)JsonValue.Create(i))), (1, Gen.OneOf(0, 1, 1000, 1001, int.MaxValue).Select(i => (JsonNode?)JsonValue.Create(i))))
            : type.HasFlag(JsonSchemaType.Number) ? Gen.OneOf(0.0, 0.5, 1.0, 1e6, 1e7, -1.0).Select(d => (JsonNode?)JsonValue.Create(d))
            : type.HasFlag(JsonSchemaType.Boolean) ? Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b))
            : type.HasFlag(JsonSchemaType.String) ? StringFor(name).Select(s => (JsonNode?)JsonValue.Create(s))
            : type.HasFlag(JsonSchemaType.Array) ? (depth > 2 ? Gen.Const<JsonNode?>(new JsonArray()) : ValueFor(name, schema?.Items, depth + 1).Array[0, 3].Select(items => (JsonNode?)new JsonArray(items.Select(n => n?.DeepClone()).ToArray())))
            : type.HasFlag(JsonSchemaType.Object) || schema?.Properties is { Count: > 0 } ? (depth > 2 ? Gen.Const<JsonNode?>(new JsonObject()) : ObjectFor(schema, depth + 1).Select(o => (JsonNode?)o))
            : Gen.OneOf(Gen.Const<JsonNode?>(new JsonObject { ["ok"] = true }), Gen.Int[1, 40].Select(d => Nested(d)));
        return Gen.Frequency((6, typed), (1, hostile));
    }

    private static Gen<JsonNode> ObjectFor(IOpenApiSchema? schema, int depth)
    {
        var properties = schema?.Properties?.ToList() ?? [];
        var gen = Gen.Const(new List<(string, JsonNode?)>());
        foreach (var (name, property) in properties)
        {
            gen = gen.SelectMany(list => Gen.Frequency(
                (1, Gen.Const(list)),
                (3, ValueFor(name, property, depth).Select(v => list.Append((name, v)).ToList()))));
        }

        return Gen.Frequency((12, Gen.Const(false)), (1, Gen.Const(true))).SelectMany(extra => gen.Select(members =>
        {
            var o = new JsonObject();
            foreach (var (name, value) in members)
            {
                o[name] = value?.DeepClone();
            }

            if (extra)
            {
                o["unexpectedField"] = 1;
            }

            return (JsonNode)o;
        }));
    }

    private static JsonNode? Nested(int depth)
    {
        JsonNode node = new JsonObject();
        for (var i = 1; i < depth; i++)
        {
            node = new JsonObject { ["a"] = node };
        }

        return node;
    }
}
