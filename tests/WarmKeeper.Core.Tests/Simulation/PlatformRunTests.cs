using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Simulation;

namespace WarmKeeper.Core.Tests.Simulation;

public sealed class PlatformRunTests
{
    [Fact]
    public void A_run_of_timers_alone_stops_within_one_check_interval_of_cancellation()
    {
        // One arrival at t = 0, then a policy that wakes every millisecond for a day: 86 million steps with no
        // arrival between them, the shape that kept a core busy after its caller had gone.
        var trace = SimulationTestKit.Trace(new TraceFunction("f", 128, 100), (0, 10));
        using var cancellation = new CancellationTokenSource();
        var policy = new EveryMillisecond(cancelAtWake: 10_000, cancellation);

        Assert.ThrowsAny<OperationCanceledException>(() => PlatformSimulator.Run(
            trace, new KeepWarmPolicyFactory("busy", _ => policy), PlatformOptions.WithReap(TimeSpan.FromMinutes(10)), cancellation.Token));

        var afterCancel = policy.Wakes - 10_000;
        Assert.InRange(afterCancel, 0, PlatformRun.CancellationCheckInterval);
    }

    /// <summary>Wakes every millisecond, cancelling the run's token at a given wake.</summary>
    private sealed class EveryMillisecond(long cancelAtWake, CancellationTokenSource cancellation) : IKeepWarmPolicy
    {
        public long Wakes { get; private set; }

        public KeepWarmInterest Interest => KeepWarmInterest.None;

        public void OnStart(KeepWarmContext context) => context.ScheduleTimer(1);

        public void OnTimer(KeepWarmContext context)
        {
            if (++Wakes == cancelAtWake)
            {
                cancellation.Cancel();
            }

            context.ScheduleTimer(context.NowMs + 1);
        }

        public void OnObservation(KeepWarmContext context, in KeepWarmObservation observation)
        {
        }
    }
}
