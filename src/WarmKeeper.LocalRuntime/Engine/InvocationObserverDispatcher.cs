using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using WarmKeeper.Core.Observations;

namespace WarmKeeper.LocalRuntime.Engine;

/// <summary>
/// Hands invocation records to observers on a background loop, so a slow or failing observer never
/// delays or breaks an invocation. When observers fall far behind, the oldest records are dropped.
/// </summary>
internal sealed class InvocationObserverDispatcher
{
    private const int Capacity = 100_000;

    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly Channel<InvocationObserved> _channel;
    private readonly Task _loop;
    private IInvocationObserver[] _observers;

    public InvocationObserverDispatcher(IEnumerable<IInvocationObserver>? observers, ILogger logger, CancellationToken stopping)
    {
        _logger = logger;
        _observers = observers is null ? [] : [.. observers];
        _channel = Channel.CreateBounded<InvocationObserved>(new BoundedChannelOptions(Capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        _loop = Task.Run(() => DispatchAsync(stopping), CancellationToken.None);
    }

    public bool HasObservers => Volatile.Read(ref _observers).Length > 0;

    public void Publish(InvocationObserved observed) => _channel.Writer.TryWrite(observed);

    public IDisposable Subscribe(IInvocationObserver observer)
    {
        lock (_gate)
        {
            _observers = [.. _observers, observer];
        }

        return new Subscription(this, observer);
    }

    public async Task StopAsync()
    {
        _channel.Writer.TryComplete();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void Unsubscribe(IInvocationObserver observer)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_observers, observer);
            if (index < 0)
            {
                return;
            }

            var copy = new List<IInvocationObserver>(_observers);
            copy.RemoveAt(index);
            _observers = [.. copy];
        }
    }

    private async Task DispatchAsync(CancellationToken stopping)
    {
        await foreach (var observed in _channel.Reader.ReadAllAsync(stopping))
        {
            foreach (var observer in Volatile.Read(ref _observers))
            {
                try
                {
                    observer.OnInvocation(observed);
                }
                catch (Exception ex)
                {
                    LocalLambdaEngineLog.ObserverFailed(_logger, ex);
                }
            }
        }
    }

    private sealed class Subscription(InvocationObserverDispatcher owner, IInvocationObserver observer) : IDisposable
    {
        public void Dispose() => owner.Unsubscribe(observer);
    }
}
