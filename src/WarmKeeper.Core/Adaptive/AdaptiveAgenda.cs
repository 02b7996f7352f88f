using WarmKeeper.Core.KeepWarm;

namespace WarmKeeper.Core.Adaptive;

/// <summary>What the adaptive policy has planned for a function, or for all of them.</summary>
public enum AgendaKind : byte
{
    /// <summary>Look at one function: a keep-alive, a pre-warm or a probe may be due.</summary>
    Check,

    /// <summary>Replace one function's environments reaching the platform's lifetime (<see cref="AgendaItem.Value"/> is that end of life).</summary>
    Renew,

    /// <summary>Every function: credit the savings account and decide provisioned concurrency.</summary>
    Reconcile,
}

/// <summary>One planned item.</summary>
/// <param name="Kind">What is planned.</param>
/// <param name="Function">The function, or -1 for all.</param>
/// <param name="Value">The renewal's end of life for <see cref="AgendaKind.Renew"/>; 0 otherwise.</param>
public readonly record struct AgendaItem(AgendaKind Kind, int Function, long Value);

/// <summary>
/// The adaptive policy's plans, ordered by time, and the driver timers they hold: the policy asks its driver for one
/// timer at the earliest plan not already covered, so that thousands of per-function plans cost a driver a handful of
/// timers and a plan moved earlier is never late.
/// </summary>
public sealed class AdaptiveAgenda
{
    private readonly PriorityQueue<AgendaItem, long> _items = new();
    private readonly SortedSet<long> _timers = [];

    /// <summary>Plans <paramref name="item"/> at <paramref name="atMs"/> (now, if that is past); nothing at or after the horizon.</summary>
    public void Schedule(KeepWarmContext context, long atMs, AgendaItem item)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (atMs >= context.HorizonMs)
        {
            return;
        }

        _items.Enqueue(item, Math.Max(atMs, context.NowMs));
    }

    /// <summary>A driver's timer fired at <paramref name="nowMs"/>: it no longer covers anything.</summary>
    public void TimerFired(long nowMs) => _timers.Remove(nowMs);

    /// <summary>Takes the earliest plan due by <paramref name="nowMs"/>, with the time it was planned for.</summary>
    public bool TryTakeDue(long nowMs, out AgendaItem item, out long atMs)
    {
        if (_items.TryPeek(out item, out atMs) && atMs <= nowMs)
        {
            _items.Dequeue();
            return true;
        }

        return false;
    }

    /// <summary>Asks the driver for a timer at the earliest plan when no timer already fires by then.</summary>
    public void EnsureTimer(KeepWarmContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_items.TryPeek(out _, out var at) && (_timers.Count == 0 || at < _timers.Min))
        {
            var time = Math.Max(at, context.NowMs);
            if (context.ScheduleTimer(time))
            {
                _timers.Add(time);
            }
        }
    }
}
