using CsCheck;
using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Simulation;

namespace WarmKeeper.Core.Tests.Simulation;

/// <summary>A policy cannot see the future: what it is handed at t holds nothing after t, and changing the trace after T changes nothing it saw before T.</summary>
public sealed class FutureBlindnessTests
{
    /// <summary>Asks for everything, checks everything it is handed, and reacts to what it sees so its actions depend on it.</summary>
    private sealed class PryingPolicy : IKeepWarmPolicy
    {
        public List<string> Violations { get; } = [];

        public List<(long Now, KeepWarmObservation Observation)> Seen { get; } = [];

        public List<long> Timers { get; } = [];

        public KeepWarmInterest Interest => KeepWarmInterest.All;

        public void OnStart(KeepWarmContext context)
        {
            Inspect(context);
            context.ScheduleTimer(20 * 60_000);
        }

        public void OnTimer(KeepWarmContext context)
        {
            Inspect(context);
            Timers.Add(context.NowMs);
            context.Ping(0, context.History.Count % 3);
            context.SetProvisionedConcurrency(0, context.History.Count(o => o.Start == StartKind.Cold) % 2);
            context.ScheduleTimer(context.NowMs + 20 * 60_000);
        }

        public void OnObservation(KeepWarmContext context, in KeepWarmObservation observation)
        {
            Inspect(context);
            Seen.Add((context.NowMs, observation));
            if (observation.ObservedAtMs != context.NowMs)
            {
                Violations.Add($"observation at {observation.ObservedAtMs} handed over at {context.NowMs}");
            }

            if (observation.ObservedAtMs < observation.ArrivalMs + observation.DurationMs)
            {
                Violations.Add($"completion of a run from {observation.ArrivalMs} lasting {observation.DurationMs} seen at {observation.ObservedAtMs}");
            }

            if (observation is { Kind: ObservationKind.InvocationCompleted, Start: StartKind.Cold })
            {
                context.Ping(observation.FunctionIndex, 1);
            }
        }

        private void Inspect(KeepWarmContext context)
        {
            for (var i = 0; i < context.History.Count; i++)
            {
                var seen = context.History[i];
                if (seen.ObservedAtMs > context.NowMs || seen.ArrivalMs > context.NowMs)
                {
                    Violations.Add($"at {context.NowMs} the history holds {seen}");
                }
            }
        }
    }

    private static PryingPolicy RunPrying(DemandTrace trace, PlatformOptions platform)
    {
        var policy = new PryingPolicy();
        PlatformSimulator.Run(trace, new KeepWarmPolicyFactory("prying", _ => policy), platform);
        return policy;
    }

    [Fact]
    public void What_a_policy_is_handed_at_t_holds_nothing_after_t()
    {
        PlatformModelPropertyTests.GenCase.Sample(
            c =>
            {
                var policy = RunPrying(c.Trace, c.Platform);
                Assert.Empty(policy.Violations);
                // Every arrival was delivered, no more and no less, each at its own time.
                var arrivals = policy.Seen.Where(s => s.Observation.Kind is ObservationKind.InvocationArrived or ObservationKind.InvocationThrottled).ToList();
                Assert.Equal(c.Trace.Invocations.ToArray().Select(i => i.TimeMs), arrivals.Select(a => a.Now));
            },
            iter: 300,
            print: c => c.ToString());
    }

    [Fact]
    public void Changing_the_trace_after_T_changes_nothing_seen_before_T()
    {
        PlatformModelPropertyTests.GenAlteredFuture.Sample(
            x =>
            {
                var (c, cut, altered) = x;
                var unlimited = c.Platform with { AccountConcurrencyLimit = 1000, ReservedConcurrency = new Dictionary<string, int>() };

                var seenOriginal = RunPrying(c.Trace, unlimited);
                var seenAltered = RunPrying(altered, unlimited);

                Assert.Equal(seenOriginal.Seen.Where(s => s.Now < cut), seenAltered.Seen.Where(s => s.Now < cut));
                Assert.Equal(seenOriginal.Timers.Where(t => t < cut), seenAltered.Timers.Where(t => t < cut));
            },
            iter: 300,
            print: x => x.ToString());
    }
}
