using WarmKeeper.Core.Adaptive;
using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Simulation.Adapters;

namespace WarmKeeper.Core.Simulation;

/// <summary>Every policy the simulator can run by name: the README's references, the agent's autoscaler and <c>adaptive</c>.</summary>
public static class PolicyCatalog
{
    /// <summary>The agent's own autoscaler at its default concurrency policy on every function.</summary>
    public const string AgentAutoscaler = "agent-tt";

    /// <summary>Every name, references first.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. ReferencePolicyCatalog.Names, AgentAutoscaler, AdaptivePolicy.Name];

    /// <summary>The policies run when none is named: the references and <c>adaptive</c>.</summary>
    public static IReadOnlyList<string> DefaultNames { get; } = [.. ReferencePolicyCatalog.Names, AdaptivePolicy.Name];

    /// <summary>Is <paramref name="name"/> a known policy?</summary>
    public static bool IsKnown(string name) => Names.Contains(name, StringComparer.Ordinal);

    /// <summary>A policy by name, for a trace (oracles read the trace's peaks).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static IKeepWarmPolicyFactory Get(string name, DemandTrace trace, PlatformPrices? prices = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(trace);
        return name switch
        {
            AdaptivePolicy.Name => AdaptivePolicy.Factory(prices: prices),
            AgentAutoscaler => new KeepWarmPolicyFactory(AgentAutoscaler, _ => new AgentAutoscalerPolicy(AgentAutoscalerPolicy.Defaults)),
            _ when ReferencePolicyCatalog.Names.Contains(name, StringComparer.Ordinal) => ReferencePolicyCatalog.Get(name, trace),
            _ => throw new ArgumentException($"Unknown policy '{name}'; known: {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
