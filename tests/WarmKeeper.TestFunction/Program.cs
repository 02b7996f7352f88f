using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace WarmKeeper.TestFunction;

/// <summary>
/// A Lambda function that speaks the Runtime API itself (no Lambda libraries), so the local runtime is
/// tested against real HTTP from a real process. Every answer carries the environment id, which makes
/// warm reuse and fan-out visible to the caller.
/// </summary>
/// <remarks>
/// Events (keys combine in this order: log, sleepMs, crash, fail, responseBytes, env, warm-up marker, echo):
/// <c>{"log":"text"}</c> prints to stdout; <c>{"sleepMs":N}</c> waits; <c>{"crash":true}</c> exits with 1
/// mid-invocation; <c>{"fail":true}</c> posts a TestError to /error; <c>{"responseBytes":N}</c> answers a
/// JSON string of N bytes; <c>{"env":["NAME",…]}</c> answers those environment variables; warm-up markers
/// (WarmKeeper's <c>{"warmkeeper":{"warmup":true,…,"holdMs":N}}</c>, serverless-plugin-warmup's
/// <c>{"source":"serverless-plugin-warmup"}</c>, lambda-warmer's <c>{"warmer":true,"concurrency":N}</c> and
/// <c>__WARMER_INVOCATION__</c> follow-ups) answer <c>{"warmup":true,"format":…,"environmentId":…,"coldStart":…,
/// "correlationId":…,"index":…,"fanOut":…,"received":event}</c>; anything else answers
/// <c>{"environmentId":…,"coldStart":…,"event":event}</c>.
/// Environment: WARMKEEPER_TEST_ENVIRONMENT_ID (else a new GUID), WARMKEEPER_TEST_INIT_MS (init work before
/// the first next), WARMKEEPER_TEST_INIT_ERROR=1 (post /init/error and exit), WARMKEEPER_TEST_INIT_EXIT=N
/// (exit with N before the first next).
/// </remarks>
internal static class Program
{
    private static async Task<int> Main()
    {
        var runtimeApi = Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API");
        if (string.IsNullOrEmpty(runtimeApi))
        {
            await Console.Error.WriteLineAsync("AWS_LAMBDA_RUNTIME_API is not set: this program runs inside a Lambda execution environment.");
            return 2;
        }

        var environmentId = Environment.GetEnvironmentVariable("WARMKEEPER_TEST_ENVIRONMENT_ID") is { Length: > 0 } given
            ? given
            : Guid.NewGuid().ToString("N");

        using var client = new RuntimeApiClient(runtimeApi);
        using var cancellation = new CancellationTokenSource();

        if (int.TryParse(Environment.GetEnvironmentVariable("WARMKEEPER_TEST_INIT_MS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var initMs) && initMs > 0)
        {
            await Task.Delay(initMs, cancellation.Token);
        }

        if (int.TryParse(Environment.GetEnvironmentVariable("WARMKEEPER_TEST_INIT_EXIT"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var initExit))
        {
            return initExit;
        }

        if (Environment.GetEnvironmentVariable("WARMKEEPER_TEST_INIT_ERROR") == "1")
        {
            await client.PostInitErrorAsync(
                ErrorDocument("Init failed because WARMKEEPER_TEST_INIT_ERROR=1", "TestInitError"), "TestInitError", cancellation.Token);
            return 1;
        }

        var function = new TestFunction(environmentId, client);
        while (true)
        {
            var invocation = await client.NextAsync(cancellation.Token);
            await function.HandleAsync(invocation, cancellation.Token);
        }
    }

    internal static byte[] ErrorDocument(string message, string type)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("errorMessage", message);
            json.WriteString("errorType", type);
            json.WriteStartArray("stackTrace");
            json.WriteStringValue("at WarmKeeper.TestFunction.Program.Main()");
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}

internal sealed record Invocation(string RequestId, byte[] Event);

internal sealed class TestFunction(string environmentId, RuntimeApiClient client)
{
    // lambda-warmer waits this long (its `delay` option) so a fan-out lands on distinct environments.
    private const int LambdaWarmerFanOutHoldMs = 75;

    private bool _coldStart = true;

    public async Task HandleAsync(Invocation invocation, CancellationToken cancellationToken)
    {
        var coldStart = _coldStart;
        _coldStart = false;

        JsonDocument? document = null;
        try
        {
            document = JsonDocument.Parse(invocation.Event);
        }
        catch (JsonException)
        {
            // Not JSON: echoed as a string below.
        }

        using (document)
        {
            var root = document?.RootElement;
            if (root is { ValueKind: JsonValueKind.Object } eventObject)
            {
                if (eventObject.TryGetProperty("log", out var log) && log.ValueKind == JsonValueKind.String)
                {
                    Console.Out.WriteLine(log.GetString());
                    Console.Out.Flush();
                }

                if (eventObject.TryGetProperty("sleepMs", out var sleep) && sleep.TryGetInt32(out var sleepMs) && sleepMs > 0)
                {
                    await Task.Delay(sleepMs, cancellationToken);
                }

                if (IsTrue(eventObject, "crash"))
                {
                    Console.Error.WriteLine("Crashing on purpose: the event asked for it.");
                    Console.Error.Flush();
                    Environment.Exit(1);
                }

                if (IsTrue(eventObject, "fail"))
                {
                    await client.PostErrorAsync(
                        invocation.RequestId, Program.ErrorDocument("Failure requested by the event", "TestError"), "TestError", cancellationToken);
                    return;
                }

                if (eventObject.TryGetProperty("responseBytes", out var size) && size.TryGetInt32(out var responseBytes))
                {
                    await client.PostResponseAsync(invocation.RequestId, LargeAnswer(responseBytes), cancellationToken);
                    return;
                }

                if (eventObject.TryGetProperty("env", out var names) && names.ValueKind == JsonValueKind.Array)
                {
                    await client.PostResponseAsync(invocation.RequestId, EnvironmentAnswer(names), cancellationToken);
                    return;
                }

                if (WarmupMarker.TryRead(eventObject, invocation.RequestId) is { } marker)
                {
                    var holdMs = marker.HoldMs ?? (marker.Format == WarmupMarker.LambdaWarmer && marker.FanOut > 1 ? LambdaWarmerFanOutHoldMs : 0);
                    if (holdMs > 0)
                    {
                        await Task.Delay(holdMs, cancellationToken);
                    }
                    await client.PostResponseAsync(invocation.RequestId, WarmupAnswer(marker, coldStart, invocation), cancellationToken);
                    return;
                }
            }

            await client.PostResponseAsync(invocation.RequestId, EchoAnswer(coldStart, invocation, root), cancellationToken);
        }
    }

    // A JSON string of the requested total size, to test the runtime's response size limit.
    private static byte[] LargeAnswer(int totalBytes)
    {
        var body = new byte[Math.Max(2, totalBytes)];
        body.AsSpan().Fill((byte)'x');
        body[0] = (byte)'"';
        body[^1] = (byte)'"';
        return body;
    }

    private byte[] EnvironmentAnswer(JsonElement names)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("environmentId", environmentId);
            json.WriteStartObject("env");
            foreach (var name in names.EnumerateArray())
            {
                var key = name.GetString() ?? "";
                json.WriteString(key, Environment.GetEnvironmentVariable(key));
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static bool IsTrue(JsonElement eventObject, string name) =>
        eventObject.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private byte[] WarmupAnswer(WarmupMarker marker, bool coldStart, Invocation invocation)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteBoolean("warmup", true);
            json.WriteString("format", marker.Format);
            json.WriteString("environmentId", environmentId);
            json.WriteBoolean("coldStart", coldStart);
            WriteRaw(json, "correlationId", marker.CorrelationId);
            WriteRaw(json, "index", marker.Index);
            WriteRaw(json, "fanOut", marker.FanOutRaw);
            json.WritePropertyName("received");
            json.WriteRawValue(invocation.Event, skipInputValidation: true);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private byte[] EchoAnswer(bool coldStart, Invocation invocation, JsonElement? root)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("environmentId", environmentId);
            json.WriteBoolean("coldStart", coldStart);
            json.WritePropertyName("event");
            if (root is null)
            {
                json.WriteStringValue(Encoding.UTF8.GetString(invocation.Event));
            }
            else
            {
                json.WriteRawValue(invocation.Event, skipInputValidation: true);
            }
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteRaw(Utf8JsonWriter json, string name, JsonElement? value)
    {
        json.WritePropertyName(name);
        if (value is { } element)
        {
            element.WriteTo(json);
        }
        else
        {
            json.WriteNullValue();
        }
    }
}

/// <summary>The warm-up pings the function recognises, from WarmKeeper and from the two common warmer libraries.</summary>
internal sealed record WarmupMarker(string Format, JsonElement? CorrelationId, JsonElement? Index, JsonElement? FanOutRaw, int? HoldMs)
{
    public const string WarmKeeper = "warmkeeper";
    public const string ServerlessPluginWarmup = "serverless-plugin-warmup";
    public const string LambdaWarmer = "lambda-warmer";

    public int FanOut => FanOutRaw is { ValueKind: JsonValueKind.Number } n && n.TryGetInt32(out var value) ? value : 1;

    public static WarmupMarker? TryRead(JsonElement eventObject, string requestId)
    {
        if (eventObject.TryGetProperty("warmkeeper", out var warmkeeper) && warmkeeper.ValueKind == JsonValueKind.Object
            && warmkeeper.TryGetProperty("warmup", out var warmup) && warmup.ValueKind == JsonValueKind.True)
        {
            int? holdMs = warmkeeper.TryGetProperty("holdMs", out var hold) && hold.TryGetInt32(out var ms) ? Math.Max(0, ms) : null;
            return new WarmupMarker(WarmKeeper, Get(warmkeeper, "correlationId"), Get(warmkeeper, "index"), Get(warmkeeper, "fanOut"), holdMs);
        }

        if (eventObject.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.String
            && source.ValueEquals(ServerlessPluginWarmup))
        {
            return new WarmupMarker(ServerlessPluginWarmup, null, null, null, null);
        }

        if (eventObject.TryGetProperty("warmer", out var warmer) && warmer.ValueKind == JsonValueKind.True)
        {
            // The first call of a lambda-warmer fan-out: invocation 1 of `concurrency`, and lambda-warmer's
            // correlation id defaults to this call's request id.
            var correlationId = Get(eventObject, "correlationId") ?? JsonSerializer.SerializeToElement(requestId);
            return new WarmupMarker(LambdaWarmer, correlationId, JsonDocumentOne.Element, Get(eventObject, "concurrency"), null);
        }

        if (eventObject.TryGetProperty("__WARMER_INVOCATION__", out var warmerIndex))
        {
            return new WarmupMarker(LambdaWarmer, Get(eventObject, "__WARMER_CORRELATIONID__"), warmerIndex, Get(eventObject, "__WARMER_CONCURRENCY__"), null);
        }

        return null;
    }

    private static JsonElement? Get(JsonElement parent, string name) => parent.TryGetProperty(name, out var value) ? value : null;

    private static class JsonDocumentOne
    {
        public static readonly JsonElement Element = JsonDocument.Parse("1").RootElement;
    }
}

/// <summary>The runtime side of the Lambda Runtime API, over one keep-alive connection.</summary>
internal sealed class RuntimeApiClient : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly HttpClient _http;
    private readonly string _baseUrl;

    public RuntimeApiClient(string runtimeApi)
    {
        _baseUrl = $"http://{runtimeApi}/2018-06-01/runtime/";
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        })
        {
            // `next` is a long poll that may wait for as long as the environment stays idle.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<Invocation> NextAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(_baseUrl + "invocation/next", HttpCompletionOption.ResponseContentRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        var requestId = response.Headers.TryGetValues("Lambda-Runtime-Aws-Request-Id", out var values) ? values.First() : throw new InvalidOperationException("next without Lambda-Runtime-Aws-Request-Id");
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return new Invocation(requestId, body);
    }

    public Task PostResponseAsync(string requestId, byte[] body, CancellationToken cancellationToken) =>
        PostAsync($"{_baseUrl}invocation/{requestId}/response", body, null, cancellationToken);

    public Task PostErrorAsync(string requestId, byte[] body, string errorType, CancellationToken cancellationToken) =>
        PostAsync($"{_baseUrl}invocation/{requestId}/error", body, errorType, cancellationToken);

    public Task PostInitErrorAsync(byte[] body, string errorType, CancellationToken cancellationToken) =>
        PostAsync(_baseUrl + "init/error", body, errorType, cancellationToken);

    private async Task PostAsync(string url, byte[] body, string? errorType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = JsonContentType;
        if (errorType is not null)
        {
            request.Headers.TryAddWithoutValidation("Lambda-Runtime-Function-Error-Type", errorType);
        }
        using var response = await _http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            Console.Error.WriteLine($"Runtime API refused {url}: {(int)response.StatusCode} {detail}");
        }
    }

    public void Dispose() => _http.Dispose();
}
