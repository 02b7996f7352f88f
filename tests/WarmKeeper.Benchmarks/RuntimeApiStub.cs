using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using WarmKeeper.Testing;

namespace WarmKeeper.Benchmarks;

/// <summary>
/// The least a Runtime API can be, for timing a function's bare start: it hands out one event on
/// the first <c>next</c>, holds any later <c>next</c>, and notes when the first <c>next</c> and the
/// first response arrived. Serves one spawned process at a time (<see cref="Expect"/> before each).
/// </summary>
internal sealed class RuntimeApiStub : IAsyncDisposable
{
    private const string Next = "/2018-06-01/runtime/invocation/next";

    private readonly byte[] _event;
    private LoopbackServer? _server;
    private Attempt _attempt = new();

    private RuntimeApiStub(byte[] @event) => _event = @event;

    /// <summary>host:port for AWS_LAMBDA_RUNTIME_API.</summary>
    public string HostAndPort { get; private set; } = "";

    public static async Task<RuntimeApiStub> StartAsync(byte[] @event, CancellationToken cancellationToken)
    {
        var stub = new RuntimeApiStub(@event);
        stub._server = await LoopbackServer.StartAsync(
            app =>
            {
                app.MapGet(Next, stub.NextAsync);
                app.MapPost("/2018-06-01/runtime/invocation/{requestId}/response", stub.ResponseAsync);
            },
            record: false,
            cancellationToken);
        stub.HostAndPort = "127.0.0.1:" + stub._server.BaseAddress.Port.ToString(CultureInfo.InvariantCulture);
        return stub;
    }

    /// <summary>Arms the stub for the next spawned process; the tasks complete with Stopwatch timestamps.</summary>
    public (Task<long> Ready, Task<long> Answered) Expect()
    {
        _attempt = new Attempt();
        return (_attempt.Ready.Task, _attempt.Answered.Task);
    }

    private async Task NextAsync(HttpContext context)
    {
        var attempt = _attempt;
        if (Interlocked.Exchange(ref attempt.Served, 1) != 0)
        {
            // The function waits here for its next event until it is stopped.
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        attempt.Ready.TrySetResult(Stopwatch.GetTimestamp());
        var headers = context.Response.Headers;
        headers["Lambda-Runtime-Aws-Request-Id"] = "bare-1";
        headers["Lambda-Runtime-Deadline-Ms"] = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 30_000).ToString(CultureInfo.InvariantCulture);
        headers["Lambda-Runtime-Invoked-Function-Arn"] = "arn:aws:lambda:us-east-1:000000000000:function:bare";
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = _event.Length;
        await context.Response.Body.WriteAsync(_event, context.RequestAborted);
    }

    private async Task ResponseAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        _attempt.Answered.TrySetResult(Stopwatch.GetTimestamp());
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    public ValueTask DisposeAsync() => _server?.DisposeAsync() ?? ValueTask.CompletedTask;

    private sealed class Attempt
    {
        public readonly TaskCompletionSource<long> Ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource<long> Answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Served;
    }
}
