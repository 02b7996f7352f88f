namespace WarmKeeper.Core.Simulation.ReferencePolicies;

/// <summary>The <c>none</c> reference policy: no pings, no provisioned concurrency.</summary>
public sealed class NoActionPolicy : ISimulationPolicy
{
    /// <inheritdoc />
    public PolicyInterest Interest => PolicyInterest.None;

    /// <inheritdoc />
    public void OnStart(PolicyContext context)
    {
    }

    /// <inheritdoc />
    public void OnTimer(PolicyContext context)
    {
    }

    /// <inheritdoc />
    public void OnObservation(PolicyContext context, in PolicyObservation observation)
    {
    }
}
