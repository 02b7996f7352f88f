namespace WarmKeeper.Core.KeepWarm.References;

/// <summary>
/// The <c>pc-static-peak</c> reference policy: a fixed provisioned concurrency per function, already ready at
/// t = 0 (environments born at 0) and never changed.
/// </summary>
public sealed class StaticProvisionedConcurrencyPolicy : IKeepWarmPolicy
{
    private readonly int[] _provisioned;

    /// <summary>Creates the policy with the provisioned concurrency of each function, by index.</summary>
    public StaticProvisionedConcurrencyPolicy(IReadOnlyList<int> provisionedPerFunction)
    {
        ArgumentNullException.ThrowIfNull(provisionedPerFunction);
        _provisioned = [.. provisionedPerFunction];
    }

    /// <inheritdoc />
    public KeepWarmInterest Interest => KeepWarmInterest.None;

    /// <inheritdoc />
    public void OnStart(KeepWarmContext context)
    {
        for (var function = 0; function < _provisioned.Length; function++)
        {
            context.SetInitialProvisionedConcurrency(function, _provisioned[function], "static provisioned concurrency");
        }
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
