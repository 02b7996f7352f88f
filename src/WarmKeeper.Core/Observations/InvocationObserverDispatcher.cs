using System.Threading.Channels;

namespace WarmKeeper.Core.Observations;

/// <summary>
/// Hands invocation records to observers on a background loop, so a slow or failing observer never
/// delays or breaks an invocation. When observers fall far behind, the oldest records are dropped.
/// Every publisher of <see cref="InvocationObserved"/> (the local runtime, the invoke proxy) uses one.
/// </summary>
public sealed class InvocationObserverDispatcher : IAsyncDisposable
{
    private const int Capacity = 100_000;

    private readonly Lock _gate = new();
    private readonly Action<Exception> _observerFailed;
    private readonly Channel<InvocationObserved> _channel;
    private readonly Task _loop;
    private IInvocationObserver[] _observers;

    /// <param name="observers">The observers to start with; more may <see cref="Subscribe"/>.</param>
    /// <param name="observerFailed">Told of an observer's exception (Core logs nothing itself); the record still reaches the others.</param>
    /// <param name="stopping">Stops the loop without draining what is queued.</param>
    public InvocationObserverDispatcher(IEnumerable<IInvocationObserver>? observers, Action<Exception> observerFailed, CancellationToken stopping = default)
    {
        ArgumentNullException.ThrowIfNull(observerFailed);
        _observerFailed = observerFailed;
        _observers = observers is null ? [] : [.. observers];
        _channel = Channel.CreateBounded<InvocationObserved>(new BoundedChannelOptions(Capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        _loop = Task.Run(() => DispatchAsync(stopping), CancellationToken.None);
    }

    /// <summary>False when nobody listens: a publisher can then skip building the record.</summary>
    public bool HasObservers => Volatile.Read(ref _observers).Length > 0;

    public void Publish(InvocationObserved observed) => _channel.Writer.TryWrite(observed);

    public IDisposable Subscribe(IInvocationObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_gate)
        {
            _observers = [.. _observers, observer];
        }

        return new Subscription(this, observer);
    }

    /// <summary>Delivers what is queued, then ends the loop (sooner when the stopping token fires).</summary>
    public async Task StopAsync()
    {
        _channel.Writer.TryComplete();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

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
        await foreach (var observed in _channel.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
        {
            foreach (var observer in Volatile.Read(ref _observers))
            {
                try
                {
                    observer.OnInvocation(observed);
                }
                catch (Exception ex)
                {
                    _observerFailed(ex);
                }
            }
        }
    }

    private sealed class Subscription(InvocationObserverDispatcher owner, IInvocationObserver observer) : IDisposable
    {
        public void Dispose() => owner.Unsubscribe(observer);
    }
}
