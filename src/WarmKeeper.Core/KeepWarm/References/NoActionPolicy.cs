namespace WarmKeeper.Core.KeepWarm.References;

/// <summary>The <c>none</c> reference policy: no pings, no provisioned concurrency.</summary>
public sealed class NoActionPolicy : IKeepWarmPolicy
{
    /// <inheritdoc />
    public KeepWarmInterest Interest => KeepWarmInterest.None;

    /// <inheritdoc />
    public void OnStart(KeepWarmContext context)
    {
    }

    /// <inheritdoc />
    public void OnTimer(KeepWarmContext context)
    {
    }

    /// <inheritdoc />
    public void OnObservation(KeepWarmContext context, in KeepWarmObservation observation)
    {
    }
}
