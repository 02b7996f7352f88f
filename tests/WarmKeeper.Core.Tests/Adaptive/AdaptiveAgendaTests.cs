using WarmKeeper.Core.Adaptive;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Scaling;
using WarmKeeper.Core.Warmup;

namespace WarmKeeper.Core.Tests.Adaptive;

public sealed class AdaptiveAgendaTests
{
    [Fact]
    public void One_driver_timer_covers_every_later_plan_and_an_earlier_plan_asks_for_its_own()
    {
        var context = new TimerContext { Now = 100 };
        var agenda = new AdaptiveAgenda();

        agenda.Schedule(context, 5_000, new AgendaItem(AgendaKind.Check, 0, 0));
        agenda.EnsureTimer(context);
        agenda.Schedule(context, 9_000, new AgendaItem(AgendaKind.Check, 1, 0));
        agenda.EnsureTimer(context);
        agenda.Schedule(context, 2_000, new AgendaItem(AgendaKind.Renew, 1, 7_000));
        agenda.EnsureTimer(context);

        Assert.Equal([5_000, 2_000], context.Timers);
    }

    [Fact]
    public void Plans_come_due_in_time_order_a_past_plan_at_once_and_none_at_or_after_the_horizon()
    {
        var context = new TimerContext { Now = 1_000 };
        var agenda = new AdaptiveAgenda();
        agenda.Schedule(context, 3_000, new AgendaItem(AgendaKind.Check, 2, 0));
        agenda.Schedule(context, 500, new AgendaItem(AgendaKind.Check, 1, 0));
        agenda.Schedule(context, context.HorizonMs, new AgendaItem(AgendaKind.Reconcile, -1, 0));

        context.Now = 3_000;
        agenda.TimerFired(3_000);
        Assert.True(agenda.TryTakeDue(context.Now, out var first, out var firstAt));
        Assert.True(agenda.TryTakeDue(context.Now, out var second, out var secondAt));
        Assert.False(agenda.TryTakeDue(context.Now, out _, out _));

        Assert.Equal((1, 1_000L), (first.Function, firstAt));
        Assert.Equal((2, 3_000L), (second.Function, secondAt));
    }

    /// <summary>A context that only keeps time and records the timers asked for; every other lever is unused here.</summary>
    private sealed class TimerContext : KeepWarmContext
    {
        public long Now { get; set; }

        public List<long> Timers { get; } = [];

        public override long NowMs => Now;

        public override long HorizonMs => 86_400_000;

        public override DateTimeOffset Origin => DateTimeOffset.UnixEpoch;

        public override string Target => "test";

        public override IReadOnlyList<KeepWarmFunction> Functions { get; } = [new("a", 128, 100), new("b", 128, 100), new("c", 128, 100)];

        public override IReadOnlyList<KeepWarmObservation> History => [];

        public override int AccountConcurrencyLimit => 1000;

        protected override int ProvisionedConcurrencyCore(int functionIndex) => 0;

        protected override int? ReservedConcurrencyCore(int functionIndex) => null;

        protected override void PingCore(int functionIndex, int fanOut, string? reason) => throw new NotSupportedException();

        protected override WarmupRunReport WarmUpCore(int functionIndex, int fanOut, int inFlight, string reason) => throw new NotSupportedException();

        protected override void SetProvisionedConcurrencyCore(int functionIndex, int count, string? reason) => throw new NotSupportedException();

        protected override void SetInitialProvisionedConcurrencyCore(int functionIndex, int count, string? reason) => throw new NotSupportedException();

        protected override ScalingDecision DecideProvisionedConcurrencyCore(int functionIndex, ConcurrencyPolicy policy, IDemandHistory demand) => throw new NotSupportedException();

        protected override void ScheduleTimerCore(long atMs) => Timers.Add(atMs);
    }
}
