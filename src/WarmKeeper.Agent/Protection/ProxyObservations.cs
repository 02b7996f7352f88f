using System.Threading.Channels;
using WarmKeeper.Core.Observations;

namespace WarmKeeper.Agent.Protection;

/// <summary>
/// Hands what the proxy saw to every <see cref="IInvocationObserver"/> on a background loop, so a
/// slow observer never delays a call; when observers fall far behind, the oldest records are dropped.
/// </summary>
internal sealed partial class ProxyObservations : IAsyncDisposable
{
    private readonly IInvocationObserver[] _observers;
    private readonly Channel<InvocationObserved> _channel = Channel.CreateBounded<InvocationObserved>(
        new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly ILogger _logger;
    private readonly Task _loop;

    public ProxyObservations(IEnumerable<IInvocationObserver> observers, ILogger<ProxyObservations> logger)
    {
        _observers = [.. observers];
        _logger = logger;
        _loop = _observers.Length == 0 ? Task.CompletedTask : Task.Run(DispatchAsync);
    }

    public bool HasObservers => _observers.Length > 0;

    public void Publish(InvocationObserved observed) => _channel.Writer.TryWrite(observed);

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop;
    }

    private async Task DispatchAsync()
    {
        await foreach (var observed in _channel.Reader.ReadAllAsync())
        {
            foreach (var observer in _observers)
            {
                try
                {
                    observer.OnInvocation(observed);
                }
                catch (Exception e)
                {
                    LogObserverFailed(_logger, e);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An invocation observer failed on a proxied invocation")]
    private static partial void LogObserverFailed(ILogger logger, Exception exception);
}
