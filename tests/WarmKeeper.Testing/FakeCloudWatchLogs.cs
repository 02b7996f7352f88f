using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using WarmKeeper.Lambda.Signing;

namespace WarmKeeper.Testing;

/// <summary>
/// CloudWatch Logs' FilterLogEvents on a loopback Kestrel, as the wire protocol has it: JSON 1.1,
/// <c>X-Amz-Target: Logs_20140328.FilterLogEvents</c>, SigV4 for service <c>logs</c> (verified),
/// a filter pattern of quoted terms read as alternatives (<c>?"a" ?"b"</c>), pages of <see cref="PageSize"/> with a
/// <c>nextToken</c>, and <c>ThrottlingException</c> (400) on the calls listed in <see cref="ThrottleCalls"/>.
/// </summary>
public sealed class FakeCloudWatchLogs : IAsyncDisposable
{
    public const string AccessKeyId = "AKIDLOGS";
    public const string SecretAccessKey = "logs-secret";
    public const string Region = "us-east-1";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Group, string Stream, DateTimeOffset Time, string Message)> _events = new();
    private readonly ConcurrentQueue<JsonObject> _requests = new();
    private int _calls;

    private FakeCloudWatchLogs(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    public int PageSize { get; init; } = 2;

    /// <summary>1-based numbers of the calls answered with a throttle.</summary>
    public HashSet<int> ThrottleCalls { get; init; } = [];

    /// <summary>Every call, including the throttled ones.</summary>
    public int Calls => _calls;

    /// <summary>The bodies of the calls that were answered with events.</summary>
    public IReadOnlyList<JsonObject> Requests => _requests.ToArray();

    public static async Task<FakeCloudWatchLogs> StartAsync(int pageSize = 2, params int[] throttleCalls)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeCloudWatchLogs(app) { PageSize = pageSize, ThrottleCalls = [.. throttleCalls] };
        var verifier = new SigV4RequestVerifier(AccessKeyId, SecretAccessKey, Region, TimeProvider.System, service: "logs");
        app.MapPost("/", async (HttpRequest request, CancellationToken ct) => await fake.AnswerAsync(verifier, request, ct));
        await app.StartAsync();
        fake.Endpoint = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        return fake;
    }

    /// <summary>A line the function's environment wrote to its stream.</summary>
    public void Write(string logGroup, string stream, DateTimeOffset time, string message) => _events.Enqueue((logGroup, stream, time, message));

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task<IResult> AnswerAsync(SigV4RequestVerifier verifier, HttpRequest request, CancellationToken ct)
    {
        var call = Interlocked.Increment(ref _calls);
        var verdict = await verifier.VerifyAsync(request, ct);
        if (!verdict.IsAuthenticated)
        {
            return Error(403, verdict.ErrorType ?? "AccessDeniedException", verdict.Message ?? "not signed");
        }

        if (request.Headers["X-Amz-Target"] != "Logs_20140328.FilterLogEvents" || request.ContentType != "application/x-amz-json-1.1")
        {
            return Error(400, "UnknownOperationException", $"target '{request.Headers["X-Amz-Target"]}', content type '{request.ContentType}'");
        }

        if (ThrottleCalls.Contains(call))
        {
            return Error(400, "ThrottlingException", "Rate exceeded");
        }

        var body = (await JsonNode.ParseAsync(request.Body, cancellationToken: ct))!.AsObject();
        _requests.Enqueue(body);
        var group = (string?)body["logGroupName"];
        var start = body["startTime"] is { } s ? DateTimeOffset.FromUnixTimeMilliseconds((long)s) : DateTimeOffset.MinValue;
        // Quoted terms, read as alternatives (?"a" ?"b"); a single "a" is one alternative.
        var terms = System.Text.RegularExpressions.Regex.Matches((string?)body["filterPattern"] ?? "", "\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        var matching = _events.Where(e => e.Group == group && e.Time >= start && (terms.Count == 0 || terms.Any(t => e.Message.Contains(t, StringComparison.Ordinal)))).ToList();
        var offset = body["nextToken"] is { } token ? int.Parse((string)token!, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var page = matching.Skip(offset).Take(PageSize).Select((e, i) => new JsonObject
        {
            ["logStreamName"] = e.Stream,
            ["timestamp"] = e.Time.ToUnixTimeMilliseconds(),
            ["message"] = e.Message,
            ["ingestionTime"] = e.Time.ToUnixTimeMilliseconds() + 500,
            ["eventId"] = $"{offset + i}",
        });
        var answer = new JsonObject { ["events"] = new JsonArray([.. page]), ["searchedLogStreams"] = new JsonArray() };
        if (offset + PageSize < matching.Count)
        {
            answer["nextToken"] = $"{offset + PageSize}";
        }

        return Results.Text(answer.ToJsonString(), "application/x-amz-json-1.1");
    }

    private static IResult Error(int status, string type, string message) =>
        Results.Text(JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = type, ["message"] = message }), "application/x-amz-json-1.1", statusCode: status);
}
