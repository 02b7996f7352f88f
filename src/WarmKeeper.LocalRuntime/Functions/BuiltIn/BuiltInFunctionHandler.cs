using System.Globalization;
using System.Text;
using System.Text.Json;
using WarmKeeper.Core.Warmup;

namespace WarmKeeper.LocalRuntime.Functions.BuiltIn;

/// <summary>
/// The in-process handlers (Echo, Work, Burn, Fail, Timeout): no process to spawn, but a real init
/// phase (<see cref="LocalFunctionOptions.InitDuration"/>) so cold starts cost what they cost on Lambda.
/// </summary>
internal sealed class BuiltInFunctionHandler(
    LocalHandlerKind kind,
    LocalFunctionOptions function,
    string environmentId,
    TimeProvider timeProvider) : IFunctionHandler
{
    private const string EchoLog = "INFO\tEcho: returning the event\n";

    /// <summary>lambda-warmer's own delay for fan-out invocations; the foreign formats carry no hold time of their own.</summary>
    private static readonly TimeSpan ForeignHold = TimeSpan.FromMilliseconds(75);
    private static readonly byte[] FailPayload =
        """{"errorMessage":"The Fail function always fails.","errorType":"Error","stackTrace":[]}"""u8.ToArray();

    public async Task InitAsync(CancellationToken cancellationToken)
    {
        if (function.InitDuration > TimeSpan.Zero)
        {
            await Task.Delay(function.InitDuration, timeProvider, cancellationToken);
        }
    }

    public Task<HandlerResult> InvokeAsync(HandlerInvocation invocation, CancellationToken cancellationToken)
    {
        // The demo functions play along with warmers as real functions written for them do: hold
        // the environment for the ping's hold time so concurrent pings land on distinct ones, and
        // say which environment answered. Fail and Timeout stay what they are.
        if (kind is not (LocalHandlerKind.Fail or LocalHandlerKind.Timeout) && WarmupPings.TryRead(invocation.Payload.Span, out var ping))
        {
            return WarmupAsync(ping, cancellationToken);
        }

        return InvokeKindAsync(invocation, cancellationToken);
    }

    private Task<HandlerResult> InvokeKindAsync(HandlerInvocation invocation, CancellationToken cancellationToken) => kind switch
    {
        LocalHandlerKind.Echo => Task.FromResult(new HandlerResult(invocation.Payload, null, EchoLog)),
        LocalHandlerKind.Work => WorkAsync(invocation, cancellationToken),
        LocalHandlerKind.Burn => BurnAsync(invocation, cancellationToken),
        LocalHandlerKind.Fail => Task.FromResult(new HandlerResult(FailPayload, "Unhandled",
            "ERROR\tInvoke Error \t{\"errorType\":\"Error\",\"errorMessage\":\"The Fail function always fails.\"}\n")),
        LocalHandlerKind.Timeout => NeverAnswerAsync(cancellationToken),
        _ => throw new InvalidOperationException($"{kind} is not a built-in handler."),
    };

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<HandlerResult> WarmupAsync(WarmupPing ping, CancellationToken cancellationToken)
    {
        var hold = ping.Hold ?? ForeignHold;
        if (hold > TimeSpan.Zero)
        {
            await Task.Delay(hold, timeProvider, cancellationToken);
        }

        var payload = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{{\"warmup\":true,\"format\":\"{ping.FormatName}\",\"environmentId\":\"{environmentId}\",\"index\":{ping.Index}}}"));
        var log = string.Create(CultureInfo.InvariantCulture, $"INFO\tWarm-up ping ({ping.FormatName}) held {hold.TotalMilliseconds:0} ms in environment {environmentId}\n");
        return new HandlerResult(payload, null, log);
    }

    private async Task<HandlerResult> WorkAsync(HandlerInvocation invocation, CancellationToken cancellationToken)
    {
        var duration = WorkDuration(invocation.Payload);
        if (duration > TimeSpan.Zero)
        {
            await Task.Delay(duration, timeProvider, cancellationToken);
        }

        return Result("Work", "worked", duration);
    }

    private async Task<HandlerResult> BurnAsync(HandlerInvocation invocation, CancellationToken cancellationToken)
    {
        var duration = WorkDuration(invocation.Payload);
        // Spinning on a pool thread keeps the request thread free while still costing real CPU.
        await Task.Run(() =>
        {
            var start = timeProvider.GetTimestamp();
            var x = 0UL;
            while (timeProvider.GetElapsedTime(start) < duration)
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (var i = 0; i < 10_000; i++)
                {
                    x = (x * 6364136223846793005UL) + 1442695040888963407UL;
                }
            }

            GC.KeepAlive(x);
        }, cancellationToken);
        return Result("Burn", "burned", duration);
    }

    private static async Task<HandlerResult> NeverAnswerAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        throw new InvalidOperationException("unreachable");
    }

    private HandlerResult Result(string name, string verb, TimeSpan duration)
    {
        var ms = (long)duration.TotalMilliseconds;
        var payload = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{{\"{verb}Ms\":{ms},\"environmentId\":\"{environmentId}\"}}"));
        var log = string.Create(CultureInfo.InvariantCulture, $"INFO\t{name}: {verb} {ms} ms in environment {environmentId}\n");
        return new HandlerResult(payload, null, log);
    }

    /// <summary>The event's top-level <c>workMs</c> when present, else the configured WorkDuration.</summary>
    private TimeSpan WorkDuration(ReadOnlyMemory<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload.Span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return function.WorkDuration;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("workMs"u8))
                {
                    reader.Read();
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var ms) && ms >= 0
                        ? TimeSpan.FromMilliseconds(ms)
                        : function.WorkDuration;
                }

                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // The engine validated the payload; a partial read is simply "no workMs".
        }

        return function.WorkDuration;
    }
}
