using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using WarmKeeper.LocalRuntime.Engine;
using WarmKeeper.LocalRuntime.Hosting;

namespace WarmKeeper.LocalRuntime.Tests;

/// <summary>A local runtime on 127.0.0.1:0 and an HttpClient speaking raw Lambda REST to it.</summary>
internal sealed class TestRuntime : IAsyncDisposable
{
    private TestRuntime(LocalRuntimeServer server)
    {
        Server = server;
        Http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public LocalRuntimeServer Server { get; }
    public HttpClient Http { get; }
    public LocalLambdaEngine Engine => Server.Engine;

    public static LocalRuntimeOptions Options(Action<LocalRuntimeOptions>? configure = null)
    {
        var options = new LocalRuntimeOptions
        {
            Url = "http://127.0.0.1:0",
            ProvisioningDelay = TimeSpan.FromMilliseconds(100),
        };
        options.Functions["hello"] = new LocalFunctionOptions
        {
            Handler = LocalHandlerKind.Echo,
            InitDuration = TimeSpan.FromMilliseconds(20),
            Versions = ["1", "2"],
            Aliases = new(StringComparer.Ordinal) { ["live"] = "2", ["old"] = "1" },
        };
        options.Functions["slow"] = new LocalFunctionOptions
        {
            Handler = LocalHandlerKind.Work,
            InitDuration = TimeSpan.FromMilliseconds(10),
            WorkDuration = TimeSpan.FromMilliseconds(600),
            Versions = ["1"],
            Aliases = new(StringComparer.Ordinal) { ["live"] = "1" },
        };
        configure?.Invoke(options);
        return options;
    }

    public static async Task<TestRuntime> StartAsync(Action<LocalRuntimeOptions>? configure = null, LocalRuntimeServerDependencies? deps = null) =>
        new(await LocalRuntimeServer.StartAsync(Options(configure), deps));

    public static async Task<TestRuntime> StartAsync(LocalRuntimeOptions options, LocalRuntimeServerDependencies? deps = null) =>
        new(await LocalRuntimeServer.StartAsync(options, deps));

    public Task<HttpResponseMessage> InvokeAsync(string function, string? body, string? qualifier = null, string? invocationType = null, bool tail = false)
    {
        var uri = "/2015-03-31/functions/" + Uri.EscapeDataString(function) + "/invocations" + (qualifier is null ? string.Empty : "?Qualifier=" + Uri.EscapeDataString(qualifier));
        var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(body is null ? [] : Encoding.UTF8.GetBytes(body)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (invocationType is not null)
        {
            request.Headers.Add("X-Amz-Invocation-Type", invocationType);
        }

        if (tail)
        {
            request.Headers.Add("X-Amz-Log-Type", "Tail");
        }

        return Http.SendAsync(request);
    }

    public async Task<HttpResponseMessage> PutJsonAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await Http.PutAsync(path, content);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

internal static class HttpAssert
{
    public static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : throw new Xunit.Sdk.XunitException($"Header {name} missing; status {(int)response.StatusCode}.");

    public static string? OptionalHeader(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    /// <summary>Asserts a Lambda error answer: status, x-amzn-ErrorType, Type and the message (either spelling).</summary>
    public static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, int status, string errorType)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal(errorType, Header(response, "x-amzn-ErrorType"));
        Assert.False(string.IsNullOrEmpty(Header(response, "x-amzn-RequestId")));
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement.Clone();
        Assert.True(root.TryGetProperty("message", out _) || root.TryGetProperty("Message", out _), body);
        return root;
    }

    public static string Message(JsonElement error) =>
        error.TryGetProperty("message", out var m) ? m.GetString()! : error.GetProperty("Message").GetString()!;
}
