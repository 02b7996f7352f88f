using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Simulation;

namespace WarmKeeper.Core.Tests.Simulation;

/// <summary>Small traces and scripted policies for model tests.</summary>
internal static class SimulationTestKit
{
    public const long Minute = 60_000;

    public static DemandTrace Trace(TraceFunction[] functions, params (long T, int Function, int Duration)[] invocations) =>
        new("test", functions, [.. invocations.Select(i => new TraceInvocation(i.T, i.Function, i.Duration))]);

    public static DemandTrace Trace(TraceFunction function, params (long T, int Duration)[] invocations) =>
        Trace([function], [.. invocations.Select(i => (i.T, 0, i.Duration))]);

    public static SimulationResult Run(DemandTrace trace, IKeepWarmPolicy policy, long reapMs = 10 * Minute, Func<PlatformOptions, PlatformOptions>? configure = null)
    {
        var options = PlatformOptions.WithReap(TimeSpan.FromMilliseconds(reapMs));
        options = configure?.Invoke(options) ?? options;
        return PlatformSimulator.Run(trace, new KeepWarmPolicyFactory("test", _ => policy), options);
    }

    public static double GbSeconds(int memoryMb, long ms) => memoryMb / 1024.0 * ms / 1000.0;
}

/// <summary>Runs given actions at given times (time 0 in OnStart) and records every observation it is handed.</summary>
internal sealed class ScriptedPolicy(KeepWarmInterest interest = KeepWarmInterest.All) : IKeepWarmPolicy
{
    private readonly SortedDictionary<long, List<Action<KeepWarmContext>>> _script = [];
    private readonly List<Action<KeepWarmContext>> _atStart = [];

    public List<(long Now, KeepWarmObservation Observation)> Seen { get; } = [];

    public List<long> TimerCalls { get; } = [];

    public KeepWarmInterest Interest => interest;

    public ScriptedPolicy AtStart(Action<KeepWarmContext> action)
    {
        _atStart.Add(action);
        return this;
    }

    public ScriptedPolicy At(long timeMs, Action<KeepWarmContext> action)
    {
        if (!_script.TryGetValue(timeMs, out var actions))
        {
            _script[timeMs] = actions = [];
        }

        actions.Add(action);
        return this;
    }

    public void OnStart(KeepWarmContext context)
    {
        foreach (var action in _atStart)
        {
            action(context);
        }

        foreach (var time in _script.Keys)
        {
            context.ScheduleTimer(time);
        }
    }

    public void OnTimer(KeepWarmContext context)
    {
        TimerCalls.Add(context.NowMs);
        if (_script.TryGetValue(context.NowMs, out var actions))
        {
            _script.Remove(context.NowMs);
            foreach (var action in actions)
            {
                action(context);
            }
        }
    }

    public void OnObservation(KeepWarmContext context, in KeepWarmObservation observation) => Seen.Add((context.NowMs, observation));
}
