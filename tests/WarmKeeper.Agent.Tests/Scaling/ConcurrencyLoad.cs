using WarmKeeper.Lambda;

namespace WarmKeeper.Agent.Tests.Scaling;

/// <summary>
/// Real traffic for autoscaler tests: <see cref="Level"/> loops each invoking the function back to
/// back with a fixed work time, so the function's concurrency is the level. Bounded by the test's lifetime.
/// </summary>
internal sealed class ConcurrencyLoad : IAsyncDisposable
{
    private readonly ILambdaControlPlane _lambda;
    private readonly string _function;
    private readonly string _qualifier;
    private readonly byte[] _payload;
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(3));
    private readonly List<(Task Loop, CancellationTokenSource Cancel)> _loops = [];

    public ConcurrencyLoad(ILambdaControlPlane lambda, string function, string qualifier, int workMs = 400)
    {
        _lambda = lambda;
        _function = function;
        _qualifier = qualifier;
        _payload = System.Text.Encoding.UTF8.GetBytes($$"""{"workMs":{{workMs}}}""");
    }

    public int Level => _loops.Count;

    public void SetLevel(int level)
    {
        while (_loops.Count < level)
        {
            var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            _loops.Add((Task.Run(() => LoopAsync(cancel.Token)), cancel));
        }

        while (_loops.Count > level)
        {
            var (_, cancel) = _loops[^1];
            cancel.Cancel();
            _loops.RemoveAt(_loops.Count - 1);
        }
    }

    public async ValueTask DisposeAsync()
    {
        SetLevel(0);
        await _stop.CancelAsync();
        _stop.Dispose();
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _lambda.InvokeAsync(new InvokeRequest { FunctionName = _function, Qualifier = _qualifier, Payload = _payload }, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (LambdaServiceException)
            {
                await Task.Delay(50, CancellationToken.None);
            }
        }
    }
}
