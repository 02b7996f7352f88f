using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace WarmKeeper.Testing;

/// <summary>What a crash-recovery run saw.</summary>
/// <param name="Writes">Writes sent.</param>
/// <param name="Acknowledged">Writes answered 2xx.</param>
/// <param name="Lost">Acknowledged writes missing (or changed) after a restart: the target is 0.</param>
/// <param name="Kills">SIGKILLs sent.</param>
/// <param name="Unanswered">Writes in flight at a kill that got no answer.</param>
/// <param name="InFlightApplied">Of those, the ones found applied (whole) after the restart.</param>
/// <param name="Problems">Everything that broke a promise, in words; empty when all held.</param>
public sealed record CrashRecoveryReport(int Writes, int Acknowledged, int Lost, int Kills, int Unanswered, int InFlightApplied, IReadOnlyList<string> Problems);

/// <summary>
/// Kill -9 against the real agent: a seeded stream of creates and updates of warm-up policies, concurrency policies
/// and rate limits through the REST API; at seeded points a burst of writes is sent and the process SIGKILLed while
/// they are in flight. Then the agent restarts on the same data directory and every promise is checked: each
/// acknowledged write is there with its content, each write left unanswered is there whole or not at all, SQLite's
/// <c>PRAGMA integrity_check</c> says ok (on the file as the crash left it), and Hangfire's recurring jobs are again
/// exactly the enabled warm-up policies. The client's clock only chooses the moment of a kill; nothing is judged by it.
/// </summary>
public sealed partial class CrashRecovery(string dataDirectory, int seed, TextWriter? log = null)
{
    private static readonly string[] Collections = ["warmup-policies", "concurrency-policies", "rate-limits"];

    // Only fields the writer chose: the acknowledged value of each, per (collection, id).
    private readonly Dictionary<(string Collection, string Id), JsonObject> _acknowledged = [];
    private readonly List<string> _problems = [];
    private const int BurstSize = 4;

    private readonly Random _random = new(seed);
    private TimeSpan _latency = TimeSpan.FromMilliseconds(5);
    private int _writes;
    private int _acked;
    private int _lost;
    private int _inFlightApplied;
    private int _unanswered;

    /// <summary>Sends <paramref name="writes"/> writes with <paramref name="kills"/> SIGKILLs spread over them at seeded points.</summary>
    public async Task<CrashRecoveryReport> RunAsync(int writes, int kills, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(writes, kills + 1);
        // One kill in each of `kills` equal stretches of the stream, at a seeded place within it.
        var stretch = writes / (kills + 1);
        var killAt = Enumerable.Range(1, kills).Select(k => (k * stretch) + _random.Next(stretch)).ToHashSet();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var agent = await OutOfProcessAgent.StartAsync(dataDirectory, [], cancellationToken);
        log?.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: started");
        try
        {
            for (var i = 0; i < writes; i++)
            {
                if (!killAt.Contains(i))
                {
                    var write = NextWrite();
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    var response = await SendAsync(agent.Client, write, null, cancellationToken);
                    Record(write, response);
                    _latency = System.Diagnostics.Stopwatch.GetElapsedTime(started);
                    continue;
                }

                var inFlight = await KillDuringBurstAsync(agent, killAt.Count(k => k <= i), cancellationToken);
                await agent.DisposeAsync();
                CheckIntegrity();
                log?.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: killed");
                agent = await OutOfProcessAgent.StartAsync(dataDirectory, [], cancellationToken);
                log?.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: restarted");
                await CheckAsync(agent, inFlight, cancellationToken);
            }

            await CheckAsync(agent, [], cancellationToken);
        }
        finally
        {
            await agent.DisposeAsync();
            SqliteConnection.ClearAllPools();
        }

        return new CrashRecoveryReport(_writes, _acked, _lost, killAt.Count, _unanswered, _inFlightApplied, _problems);
    }

    /// <summary>
    /// Sends a burst of writes to distinct resources at once and, once every body has left, SIGKILLs the agent at a
    /// seeded point within the time the burst should take (from the last write's latency): the kill lands before, during or after each commit.
    /// </summary>
    /// <returns>The writes left unanswered.</returns>
    private async Task<List<Write>> KillDuringBurstAsync(OutOfProcessAgent agent, int kill, CancellationToken cancellationToken)
    {
        var burst = new List<Write>();
        while (burst.Count < BurstSize)
        {
            var write = NextWrite();
            if (!burst.Any(w => w.Collection == write.Collection && w.Id == write.Id))
            {
                burst.Add(write);
            }
        }

        var sent = burst.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var answers = burst.Select((w, n) => SendAsync(agent.Client, w, sent[n], CancellationToken.None)).ToArray();
        await Task.WhenAny(Task.WhenAll(sent.Select(s => s.Task)), Task.WhenAll(answers)).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        // The burst's writes queue for one database, so they finish over about BurstSize single-write latencies.
        var delay = _latency * (BurstSize * _random.NextDouble());
        var waiting = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(waiting) < delay)
        {
            Thread.SpinWait(100);
        }

        await agent.KillAsync();
        var unanswered = new List<Write>();
        for (var n = 0; n < burst.Count; n++)
        {
            var answer = await answers[n];
            if (answer is { IsSuccessStatusCode: true })
            {
                Record(burst[n], answer);
            }
            else
            {
                unanswered.Add(burst[n]);
                _unanswered++;
            }
        }

        log?.WriteLine($"kill {kill}, {delay.TotalMilliseconds:F1} ms after {burst.Count} bodies left: {burst.Count - unanswered.Count} answered, {unanswered.Count} unanswered");
        return unanswered;
    }

    private sealed record Write(string Collection, string Id, bool Create, JsonObject Body, JsonObject Fields);

    private Write NextWrite()
    {
        var collection = Collections[_random.Next(Collections.Length)];
        JsonObject fields;
        string id;
        JsonObject body;
        switch (collection)
        {
            case "warmup-policies":
                id = $"crash-w{_random.Next(40)}";
                fields = new JsonObject { ["schedule"] = $"{_random.Next(60)} 3 * * *", ["fanOut"] = 1 + _random.Next(3), ["holdMs"] = 50 + _random.Next(100), ["enabled"] = _random.Next(3) > 0 };
                body = new JsonObject { ["id"] = id, ["target"] = "local", ["function"] = "hello" };
                break;
            case "concurrency-policies":
                // One policy per function and qualifier: two slots, updated over and over.
                var alias = _random.Next(2) == 0 ? "live" : "1";
                id = $"crash-c-{alias}";
                fields = new JsonObject { ["min"] = _random.Next(3), ["max"] = 3 + _random.Next(40), ["dryRun"] = true };
                body = new JsonObject { ["id"] = id, ["target"] = "local", ["function"] = "orders", ["qualifier"] = alias };
                break;
            default:
                id = $"crash-r{_random.Next(40)}";
                fields = new JsonObject { ["permitsPerSecond"] = 1 + _random.Next(1000), ["burst"] = 1 + _random.Next(1000) };
                body = new JsonObject { ["id"] = id, ["functions"] = new JsonArray("hello") };
                break;
        }

        foreach (var (name, value) in fields)
        {
            body[name] = value?.DeepClone();
        }

        return new Write(collection, id, !_acknowledged.ContainsKey((collection, id)), body, fields);
    }

    /// <summary>The answer, or null when the connection broke before one came; <paramref name="sent"/> is set once the body has left.</summary>
    private async Task<HttpResponseMessage?> SendAsync(HttpClient client, Write write, TaskCompletionSource? sent, CancellationToken cancellationToken)
    {
        _writes++;
        var path = write.Create ? $"/api/v1/{write.Collection}" : $"/api/v1/{write.Collection}/{write.Id}";
        using var request = new HttpRequestMessage(write.Create ? HttpMethod.Post : HttpMethod.Put, new Uri(path, UriKind.Relative))
        {
            Content = new SignallingContent(Encoding.UTF8.GetBytes(write.Body.ToJsonString()), sent),
        };
        try
        {
            var response = await client.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            return response;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        finally
        {
            sent?.TrySetResult();
        }
    }

    /// <summary>A JSON body that says when it has been written to the connection.</summary>
    private sealed class SignallingContent : HttpContent
    {
        private readonly byte[] _body;
        private readonly TaskCompletionSource? _sent;

        public SignallingContent(byte[] body, TaskCompletionSource? sent)
        {
            _body = body;
            _sent = sent;
            Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_body);
            await stream.FlushAsync();
            _sent?.TrySetResult();
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _body.Length;
            return true;
        }
    }

    private void Record(Write write, HttpResponseMessage? response)
    {
        if (response is not { IsSuccessStatusCode: true })
        {
            _problems.Add($"{write.Collection}/{write.Id}: a valid write was answered {(int?)response?.StatusCode}: {response?.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
            return;
        }

        _acked++;
        _acknowledged[(write.Collection, write.Id)] = write.Fields;
    }

    /// <summary>The file as the crash left it: SQLite recovers the write-ahead log on open, as the agent would.</summary>
    private void CheckIntegrity()
    {
        var file = Path.Combine(dataDirectory, "warmkeeper.db");
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        var result = command.ExecuteScalar() as string;
        if (result != "ok")
        {
            _problems.Add($"PRAGMA integrity_check after a kill: {result}");
        }
    }

    /// <summary>Every acknowledged write is there as acknowledged; each of <paramref name="unanswered"/> is there whole or not at all; schedules match.</summary>
    private async Task CheckAsync(OutOfProcessAgent agent, IReadOnlyList<Write> unanswered, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<(string Collection, string Id), JsonObject>();
        foreach (var collection in Collections)
        {
            var listing = await agent.Client.GetFromJsonAsync<JsonArray>(new Uri($"/api/v1/{collection}", UriKind.Relative), cancellationToken) ?? [];
            foreach (var item in listing.OfType<JsonObject>())
            {
                stored[(collection, (string)item["id"]!)] = item;
            }
        }

        foreach (var inFlight in unanswered)
        {
            var key = (inFlight.Collection, inFlight.Id);
            var before = _acknowledged.GetValueOrDefault(key);
            stored.TryGetValue(key, out var now);
            if (now is not null && Matches(now, inFlight.Fields))
            {
                _inFlightApplied++;
                _acknowledged[key] = inFlight.Fields;
            }
            else if (!(before is null ? now is null : now is not null && Matches(now, before)))
            {
                _problems.Add($"{inFlight.Collection}/{inFlight.Id}: the write unanswered at the kill is half there: {now?.ToJsonString() ?? "(absent)"}");
            }
        }

        foreach (var ((collection, id), fields) in _acknowledged)
        {
            if (!stored.TryGetValue((collection, id), out var item) || !Matches(item, fields))
            {
                _lost++;
                _problems.Add($"{collection}/{id}: acknowledged as {fields.ToJsonString()}, found {item?.ToJsonString() ?? "(absent)"}");
            }
        }

        var enabled = stored.Where(s => s.Key.Collection == "warmup-policies" && s.Value["enabled"]?.GetValue<bool>() == true)
            .Select(s => s.Key.Id).Order(StringComparer.Ordinal).ToArray();
        var scheduled = await RecurringWarmupJobsAsync(agent.Client, cancellationToken);
        if (!enabled.SequenceEqual(scheduled, StringComparer.Ordinal))
        {
            _problems.Add($"Hangfire's recurring jobs [{string.Join(", ", scheduled)}] are not the enabled warm-up policies [{string.Join(", ", enabled)}].");
        }
    }

    private static bool Matches(JsonObject stored, JsonObject fields) =>
        fields.All(f => JsonNode.DeepEquals(stored[f.Key], f.Value));

    /// <summary>The warm-up jobs in Hangfire's own storage, as its dashboard lists them (one page holds them all).</summary>
    private static async Task<string[]> RecurringWarmupJobsAsync(HttpClient client, CancellationToken cancellationToken)
    {
        var html = await client.GetStringAsync(new Uri("/hangfire/recurring?count=1000", UriKind.Relative), cancellationToken);
        return [.. WarmupJobId().Matches(html).Select(m => m.Groups["id"].Value).Distinct().Order(StringComparer.Ordinal)];
    }

    [GeneratedRegex(@"warmup:(?<id>crash-w\d+)\b")]
    private static partial Regex WarmupJobId();
}
