using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace WarmKeeper.Lambda.Tests;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also records the due time of every timer created on it, so
/// a test can wait until a delay is actually armed before advancing time (no real-time sleeps).
/// </summary>
internal sealed class TimerRecordingTimeProvider(FakeTimeProvider inner) : TimeProvider
{
    public ConcurrentQueue<TimeSpan> CreatedTimers { get; } = new();

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = inner.CreateTimer(callback, state, dueTime, period);
        CreatedTimers.Enqueue(dueTime);
        return timer;
    }
}
