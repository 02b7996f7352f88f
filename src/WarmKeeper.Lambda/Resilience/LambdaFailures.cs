using Polly.Timeout;

namespace WarmKeeper.Lambda.Resilience;

/// <summary>What a failed call to a target says about the target: one reading for every circuit breaker.</summary>
public static class LambdaFailures
{
    /// <summary>Failures that say the target is down (a 5xx, no connection, no answer in time), not that the caller erred or was throttled.</summary>
    public static bool IsOutage(Exception? exception) => exception switch
    {
        LambdaServiceException service => (int)service.StatusCode >= 500,
        HttpRequestException or TimeoutException or TimeoutRejectedException => true,
        _ => false,
    };
}
