using System.Buffers;
using System.IO.Pipes;
using System.Text;
using Microsoft.Extensions.Logging;

namespace WarmKeeper.LocalRuntime.Functions.Process;

/// <summary>
/// Reads one of the function process's output pipes (stdout or stderr) line by line into the shared
/// <see cref="FunctionLogBuffer"/>, and answers "has everything written up to now been read?" so an
/// invocation's log contains what the function printed before it posted its response.
/// </summary>
/// <remarks>
/// The fence is exact on Linux: the handler opens the pipe's write end through
/// <c>/proc/{pid}/fd/{n}</c> and writes a marker into the same FIFO; once the reader meets the
/// marker, every byte the function wrote before it has been read. Elsewhere the fence waits for the
/// reader to go quiet for a moment, which is good enough for interactive use.
/// </remarks>
internal sealed class FunctionOutputCapture : IAsyncDisposable
{
    // Control characters a function would not print, so a match is ours.
    private static readonly byte[] FenceMarker = "\u001f\u001eWARMKEEPER-LOG-FENCE\u001e\u001f"u8.ToArray();

    // A function that never prints a newline still gets its output delivered in pieces of this size.
    private const int MaxLineBytes = 64 * 1024;

    private readonly Stream _pipe;
    private readonly FunctionLogBuffer _log;
    private readonly ILogger _logger;
    private readonly string _streamName;
    private readonly Task _readLoop;
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;

    private FileStream? _fenceWriter;
    private bool _fenceWriterClosed;
    private long _fencesWritten;
    private long _fencesSeen;
    private TaskCompletionSource? _fenceReached;
    private long _lastReadTimestamp;

    public FunctionOutputCapture(Stream pipe, string streamName, FunctionLogBuffer log, ILogger logger, TimeProvider timeProvider)
    {
        _pipe = pipe;
        _streamName = streamName;
        _log = log;
        _logger = logger;
        _timeProvider = timeProvider;
        _readLoop = Task.Run(() => ReadLoopAsync(CancellationToken.None));
    }

    /// <summary>True when fences are exact (a marker through the same FIFO), false when they wait for quiet.</summary>
    public bool HasExactFence => _fenceWriter is not null;

    /// <summary>
    /// Opens a write end of the very pipe we read, through <c>/proc/self/fd</c> (Linux reopens a pipe
    /// from procfs in the mode asked for). Our own descriptor is used rather than the child's
    /// <c>/proc/{pid}/fd/1</c>, which the child may already have pointed elsewhere.
    /// </summary>
    public bool TryEnableExactFence()
    {
        if (!OperatingSystem.IsLinux() || _pipe is not PipeStream pipe)
        {
            return false;
        }
        try
        {
            var descriptor = pipe.SafePipeHandle.DangerousGetHandle();
            _fenceWriter = new FileStream($"/proc/self/fd/{descriptor}", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Completes once everything the function wrote to this pipe before the call has been read into the log.</summary>
    public Task FenceAsync(CancellationToken cancellationToken)
    {
        if (_readLoop.IsCompleted)
        {
            return Task.CompletedTask;
        }

        var writer = _fenceWriter;
        if (writer is null)
        {
            return Volatile.Read(ref _fenceWriterClosed) ? DrainAfterExitAsync(cancellationToken) : QuietFenceAsync(cancellationToken);
        }

        TaskCompletionSource reached;
        lock (_gate)
        {
            _fencesWritten++;
            reached = _fenceReached ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        try
        {
            writer.Write(FenceMarker);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The pipe is gone (the process exited and we closed it); nothing more can arrive.
            lock (_gate)
            {
                _fencesWritten--;
            }
            return Task.CompletedTask;
        }
        return AwaitFenceAsync(reached.Task, cancellationToken);
    }

    private async Task AwaitFenceAsync(Task reached, CancellationToken cancellationToken)
    {
        // A reader starved for this long only costs log lines, never the invocation's answer.
        try
        {
            await reached.WaitAsync(TimeSpan.FromSeconds(2), _timeProvider, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
    }

    private async Task DrainAfterExitAsync(CancellationToken cancellationToken)
    {
        // Every write end is closed once the process is gone, so the reader reaches end-of-file soon;
        // an orphaned child holding the pipe must not hold up the answer for long.
        try
        {
            await _readLoop.WaitAsync(TimeSpan.FromMilliseconds(500), _timeProvider, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
    }

    private async Task QuietFenceAsync(CancellationToken cancellationToken)
    {
        // Without a FIFO marker, wait until nothing has been read for a couple of milliseconds (at most 50 ms).
        var quiet = TimeSpan.FromMilliseconds(2);
        var start = _timeProvider.GetTimestamp();
        while (_timeProvider.GetElapsedTime(start) < TimeSpan.FromMilliseconds(50))
        {
            if (_timeProvider.GetElapsedTime(Volatile.Read(ref _lastReadTimestamp)) >= quiet)
            {
                return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(1), _timeProvider, cancellationToken);
        }
    }

    /// <summary>Closes our write end so the reader sees end-of-file once the function's own ends are closed.</summary>
    public void CloseFenceWriter()
    {
        Volatile.Write(ref _fenceWriterClosed, true);
        var writer = Interlocked.Exchange(ref _fenceWriter, null);
        writer?.Dispose();
        lock (_gate)
        {
            _fenceReached?.TrySetResult();
            _fenceReached = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        CloseFenceWriter();
        await _pipe.DisposeAsync();
        try
        {
            await _readLoop.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (TimeoutException)
        {
            // The reader is stuck in a read on a pipe kept open by an orphan; it ends with that pipe.
        }
    }

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var pending = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (true)
            {
                int read;
                try
                {
                    read = await _pipe.ReadAsync(buffer, cancellationToken);
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
                {
                    break;
                }
                if (read == 0)
                {
                    break;
                }
                Volatile.Write(ref _lastReadTimestamp, _timeProvider.GetTimestamp());
                pending.Write(buffer.AsSpan(0, read));
                var fences = RemoveFenceMarkers(pending);
                EmitCompleteLines(pending, flushAll: pending.WrittenCount > MaxLineBytes);
                if (fences > 0)
                {
                    // A fence is reached only after the lines before it are in the log.
                    FlushPartialLine(pending);
                    SignalFences(fences);
                }
            }
            EmitCompleteLines(pending, flushAll: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            lock (_gate)
            {
                _fenceReached?.TrySetResult();
                _fenceReached = null;
            }
        }
    }

    private void SignalFences(int fences)
    {
        TaskCompletionSource? reached = null;
        lock (_gate)
        {
            _fencesSeen += fences;
            if (_fencesSeen >= _fencesWritten)
            {
                reached = _fenceReached;
                _fenceReached = null;
            }
        }
        reached?.TrySetResult();
    }

    private static int RemoveFenceMarkers(ArrayBufferWriter<byte> pending)
    {
        var span = pending.WrittenSpan;
        if (span.IndexOf(FenceMarker) < 0)
        {
            return 0;
        }
        var kept = new byte[span.Length];
        var keptLength = 0;
        var found = 0;
        while (true)
        {
            var at = span.IndexOf(FenceMarker);
            if (at < 0)
            {
                span.CopyTo(kept.AsSpan(keptLength));
                keptLength += span.Length;
                break;
            }
            span[..at].CopyTo(kept.AsSpan(keptLength));
            keptLength += at;
            span = span[(at + FenceMarker.Length)..];
            found++;
        }
        pending.Clear();
        pending.Write(kept.AsSpan(0, keptLength));
        return found;
    }

    // A partial line is handed over at a fence: the function has answered, so it belongs to this invocation.
    private void FlushPartialLine(ArrayBufferWriter<byte> pending)
    {
        var rest = pending.WrittenSpan;
        // Keep a possible beginning of a marker for the next read.
        if (rest.Length > 0 && !StartsWithMarkerPrefix(rest))
        {
            EmitLine(rest);
            pending.Clear();
        }
    }

    private static bool StartsWithMarkerPrefix(ReadOnlySpan<byte> rest)
    {
        var at = rest.LastIndexOf(FenceMarker[0]);
        if (at < 0)
        {
            return false;
        }
        var tail = rest[at..];
        return tail.Length < FenceMarker.Length && FenceMarker.AsSpan().StartsWith(tail);
    }

    private void EmitCompleteLines(ArrayBufferWriter<byte> pending, bool flushAll)
    {
        var span = pending.WrittenSpan;
        var consumed = 0;
        while (true)
        {
            var newline = span[consumed..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                break;
            }
            EmitLine(span.Slice(consumed, newline));
            consumed += newline + 1;
        }
        if (flushAll && consumed < span.Length)
        {
            EmitLine(span[consumed..]);
            consumed = span.Length;
        }
        if (consumed == 0)
        {
            return;
        }
        var remaining = span[consumed..].ToArray();
        pending.Clear();
        pending.Write(remaining);
    }

    private void EmitLine(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }
        var text = Encoding.UTF8.GetString(line);
        _log.Append(text);
        ProcessFunctionLog.FunctionOutput(_logger, _streamName, text);
    }
}

/// <summary>
/// What the function printed since the last invocation ended (init output lands in the first
/// invocation's log). Bounded: only the newest text is kept, as the Tail log only shows the end.
/// </summary>
internal sealed class FunctionLogBuffer
{
    private const int MaxChars = 256 * 1024;

    private readonly Lock _gate = new();
    private readonly StringBuilder _text = new();

    public void Append(string line)
    {
        lock (_gate)
        {
            _text.Append(line).Append('\n');
            if (_text.Length > MaxChars)
            {
                _text.Remove(0, _text.Length - MaxChars);
            }
        }
    }

    public string Take()
    {
        lock (_gate)
        {
            if (_text.Length == 0)
            {
                return string.Empty;
            }
            var text = _text.ToString();
            _text.Clear();
            return text;
        }
    }
}
