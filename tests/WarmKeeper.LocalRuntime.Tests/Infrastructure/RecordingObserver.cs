using System.Collections.Concurrent;
using WarmKeeper.Core.Observations;

namespace WarmKeeper.LocalRuntime.Tests;

/// <summary>Collects published invocations and lets a test wait for them.</summary>
internal sealed class RecordingObserver : IInvocationObserver
{
    private readonly ConcurrentQueue<InvocationObserved> _seen = new();

    public IReadOnlyList<InvocationObserved> Seen => [.. _seen];

    public void OnInvocation(InvocationObserved invocation) => _seen.Enqueue(invocation);

    public async Task<IReadOnlyList<InvocationObserved>> WaitForAsync(Func<InvocationObserved, bool> match, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var matches = _seen.Where(match).ToList();
            if (matches.Count >= count)
            {
                return matches;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Expected {count} matching invocations, saw {matches.Count} of {_seen.Count}.");
            }

            await Task.Delay(20);
        }
    }
}
