using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.KeepWarm.References;

namespace WarmKeeper.Core.Simulation;

/// <summary>The README's reference policies as factories, by name.</summary>
public static class ReferencePolicyCatalog
{
    /// <summary>The ping period of the <c>ping-5min</c> policies.</summary>
    public const long PingPeriodMs = 5 * 60 * 1000;

    /// <summary>The names, in the README's order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["none", "ping-5min", "ping-5min-peak", "pc-static-peak", "aas-tt-0.7"];

    /// <summary>All five reference policies for a trace; the <c>-peak</c> ones get the trace's peaks as an oracle.</summary>
    public static IReadOnlyList<IKeepWarmPolicyFactory> All(DemandTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var peaks = TraceStatistics.PeakConcurrency(trace);
        return [.. Names.Select(name => Create(name, peaks))];
    }

    /// <summary>One reference policy by name, for a trace.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static IKeepWarmPolicyFactory Get(string name, DemandTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        if (!Names.Contains(name, StringComparer.Ordinal))
        {
            throw new ArgumentException($"Unknown reference policy '{name}'; known: {string.Join(", ", Names)}.", nameof(name));
        }

        return Create(name, TraceStatistics.PeakConcurrency(trace));
    }

    private static KeepWarmPolicyFactory Create(string name, int[] peaks) => name switch
    {
        "none" => new(name, _ => new NoActionPolicy()),
        "ping-5min" => new(name, functions => new PeriodicPingPolicy(PingPeriodMs, Enumerable.Repeat(1, functions.Count).ToArray())),
        "ping-5min-peak" => new(name, _ => new PeriodicPingPolicy(PingPeriodMs, peaks)),
        "pc-static-peak" => new(name, _ => new StaticProvisionedConcurrencyPolicy(peaks)),
        "aas-tt-0.7" => new(name, _ => new TargetTrackingPolicy()),
        _ => throw new ArgumentException($"Unknown reference policy '{name}'.", nameof(name)),
    };
}
