namespace WarmKeeper.Lambda.Wire;

/// <summary>The service's payload limits, which every Lambda listener here answers in Lambda's words.</summary>
public static class LambdaLimits
{
    /// <summary>Lambda's limit for a RequestResponse payload (6 MB).</summary>
    public const int SyncPayloadBytes = 6 * 1024 * 1024;

    /// <summary>Lambda's limit for an Event payload (1 MB).</summary>
    public const int AsyncPayloadBytes = 1024 * 1024;

    /// <summary>
    /// Kestrel's own body limit on a Lambda listener: above Lambda's 6 MB, so that oversized invokes
    /// get Lambda's 413 from the operation rather than Kestrel's bare one.
    /// </summary>
    public const long ListenerBodyBytes = 16L * 1024 * 1024;
}
