using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace WarmKeeper.LocalRuntime.Engine;

/// <summary>An accepted Event invocation waiting to run.</summary>
internal sealed record QueuedEvent(
    FunctionRuntime Function,
    string? Qualifier,
    string Version,
    byte[] Payload,
    string RequestId,
    string? ClientContext,
    DateTimeOffset AcceptedAt,
    bool AgentPing = false)
{
    public int Attempts { get; set; }
    public int FunctionErrorRetries { get; set; }
}

/// <summary>
/// Lambda's internal queue for asynchronous invocations: bounded, drained by a few workers through
/// the same environments and concurrency as synchronous calls. A throttled event goes back to the
/// queue with backoff (Lambda keeps retrying throttles for up to six hours); a function error is
/// retried twice, as Lambda's default async retry policy does.
/// </summary>
internal sealed class AsyncInvocationQueue
{
    private static readonly TimeSpan MaxEventAge = TimeSpan.FromHours(6);
    private static readonly TimeSpan MaxThrottleBackoff = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan[] FunctionErrorRetryDelays = [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2)];

    private readonly LocalLambdaEngine _engine;
    private readonly Channel<QueuedEvent> _channel;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private readonly Task[] _workers;
    private int _pending;

    public AsyncInvocationQueue(LocalLambdaEngine engine, int capacity, int workers, TimeProvider time, ILogger logger, CancellationToken stopping)
    {
        _engine = engine;
        _time = time;
        _logger = logger;
        _stopping = stopping;
        _channel = Channel.CreateBounded<QueuedEvent>(new BoundedChannelOptions(Math.Max(1, capacity))
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
        _workers = new Task[workers];
        for (var i = 0; i < workers; i++)
        {
            _workers[i] = Task.Run(() => WorkAsync(stopping), CancellationToken.None);
        }
    }

    /// <summary>Accepted events not yet finished (queued, running, or waiting to retry).</summary>
    public int Pending => Volatile.Read(ref _pending);

    public bool TryEnqueue(QueuedEvent queued)
    {
        if (!_channel.Writer.TryWrite(queued))
        {
            return false;
        }

        Interlocked.Increment(ref _pending);
        return true;
    }

    public async Task StopAsync()
    {
        _channel.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_workers);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task WorkAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var queued in _channel.Reader.ReadAllAsync(stopping))
            {
                await RunOneAsync(queued);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down: events still queued are lost with the process, as they would be locally.
        }
    }

    private async Task RunOneAsync(QueuedEvent queued)
    {
        queued.Attempts++;
        LocalInvokeResult result;
        try
        {
            result = await _engine.RunAsync(queued.Function, queued.Qualifier, queued.Version, queued.Payload, queued.RequestId,
                Lambda.Wire.InvocationTypes.Event, tail: false, queued.ClientContext, _time.GetUtcNow(), queued.AgentPing);
        }
        catch (Exception ex)
        {
            LocalLambdaEngineLog.EventFailed(_logger, queued.RequestId, ex);
            Interlocked.Decrement(ref _pending);
            return;
        }

        if (result.Error is { StatusCode: 429 })
        {
            var backoff = TimeSpan.FromSeconds(Math.Min(MaxThrottleBackoff.TotalSeconds, Math.Pow(2, Math.Min(queued.Attempts - 1, 16))));
            RetryLater(queued, backoff, "throttled");
            return;
        }

        if (result.FunctionError is not null && queued.FunctionErrorRetries < FunctionErrorRetryDelays.Length)
        {
            var delay = FunctionErrorRetryDelays[queued.FunctionErrorRetries];
            queued.FunctionErrorRetries++;
            RetryLater(queued, delay, "function error");
            return;
        }

        Interlocked.Decrement(ref _pending);
    }

    private void RetryLater(QueuedEvent queued, TimeSpan delay, string why)
    {
        if (_time.GetUtcNow() + delay - queued.AcceptedAt > MaxEventAge)
        {
            LocalLambdaEngineLog.EventDropped(_logger, queued.RequestId, queued.Function.Definition.Name, queued.Attempts, why);
            Interlocked.Decrement(ref _pending);
            return;
        }

        _ = RequeueAsync(queued, delay);
    }

    private async Task RequeueAsync(QueuedEvent queued, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _time, _stopping);
            await _channel.Writer.WriteAsync(queued, _stopping);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            Interlocked.Decrement(ref _pending);
        }
    }
}

internal static partial class LocalLambdaEngineLog
{
    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Event {RequestId} for {FunctionName} dropped after {Attempts} attempts: {Why}")]
    public static partial void EventDropped(ILogger logger, string requestId, string functionName, int attempts, string why);

    [LoggerMessage(EventId = 21, Level = LogLevel.Error, Message = "Event {RequestId} failed unexpectedly")]
    public static partial void EventFailed(ILogger logger, string requestId, Exception exception);

    [LoggerMessage(EventId = 22, Level = LogLevel.Error, Message = "An invocation observer failed")]
    public static partial void ObserverFailed(ILogger logger, Exception exception);
}
