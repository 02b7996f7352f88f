namespace WarmKeeper.Core.RateLimiting;

/// <summary>Recognizes the warm-up ping payloads of WarmKeeper and of the warmers it speaks for.</summary>
public static class WarmupPingDetector
{
    private static ReadOnlySpan<byte> WarmKeeperMarker => "\"warmkeeper\":{\"warmup\":true"u8;
    private static ReadOnlySpan<byte> ServerlessPluginMarker => "\"source\":\"serverless-plugin-warmup\""u8;
    private static ReadOnlySpan<byte> LambdaWarmerMarker => "\"warmer\":true"u8;

    /// <summary>Pings are small; only the start of a payload is looked at so big events cost nothing.</summary>
    private const int Window = 256;

    public static bool IsPing(ReadOnlySpan<byte> payload)
    {
        var head = payload.Length > Window ? payload[..Window] : payload;
        return head.IndexOf(WarmKeeperMarker) >= 0
               || head.IndexOf(ServerlessPluginMarker) >= 0
               || head.IndexOf(LambdaWarmerMarker) >= 0;
    }
}
