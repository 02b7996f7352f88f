namespace WarmKeeper.Core.KeepWarm;

/// <summary>Prices of the platform, per request and per GB-second, as a keep-warm policy weighs its levers and the simulator bills a run; GB = memory_mb / 1024, billed per millisecond.</summary>
/// <param name="PerMillionRequests">Charged for every user invocation that runs and every ping.</param>
/// <param name="OnDemandPerGbSecond">Duration on on-demand environments, init included on their cold starts.</param>
/// <param name="ProvisionedConcurrencyPerGbSecond">Provisioned concurrency configured, whether used or not.</param>
/// <param name="ProvisionedDurationPerGbSecond">Duration on provisioned environments.</param>
public sealed record PlatformPrices(
    double PerMillionRequests,
    double OnDemandPerGbSecond,
    double ProvisionedConcurrencyPerGbSecond,
    double ProvisionedDurationPerGbSecond)
{
    /// <summary>AWS Lambda, us-east-1, x86, as the README gives them.</summary>
    public static PlatformPrices UsEast1X86 { get; } = new(0.20, 0.0000166667, 0.0000041667, 0.0000097222);
}
