using System.Text.Json;

namespace WarmKeeper.LocalRuntime.Functions.BuiltIn;

/// <summary>
/// Recognizes a warm-up ping in the formats functions meet in the wild: WarmKeeper's own
/// <c>{"warmkeeper":{"warmup":true,…,"holdMs":150}}</c>, serverless-plugin-warmup's
/// <c>{"source":"serverless-plugin-warmup"}</c> and lambda-warmer's <c>{"warmer":true,…}</c>.
/// </summary>
internal readonly record struct WarmupMarker(string Format, TimeSpan Hold, int Index)
{
    /// <summary>lambda-warmer's own delay for fan-out invocations.</summary>
    private static readonly TimeSpan ForeignHold = TimeSpan.FromMilliseconds(75);

    public static bool TryRead(ReadOnlySpan<byte> payload, out WarmupMarker marker)
    {
        marker = default;
        // Cheap pre-check so ordinary invocations pay one vectorized scan, not a parse.
        if (payload.IndexOf("warm"u8) < 0)
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(payload);
            using var doc = JsonDocument.ParseValue(ref reader);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            if (root.TryGetProperty("warmkeeper", out var wk) && wk.ValueKind == JsonValueKind.Object
                && wk.TryGetProperty("warmup", out var w) && w.ValueKind == JsonValueKind.True)
            {
                var hold = wk.TryGetProperty("holdMs", out var h) && h.TryGetInt32(out var ms) && ms > 0 ? TimeSpan.FromMilliseconds(Math.Min(ms, 10_000)) : TimeSpan.Zero;
                var index = wk.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : 0;
                marker = new WarmupMarker("warmkeeper", hold, index);
                return true;
            }

            if (root.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.String
                && source.ValueEquals("serverless-plugin-warmup"))
            {
                marker = new WarmupMarker("serverless-plugin-warmup", ForeignHold, 0);
                return true;
            }

            if (root.TryGetProperty("warmer", out var warmer) && warmer.ValueKind == JsonValueKind.True)
            {
                var index = root.TryGetProperty("__WARMER_INVOCATION__", out var inv) && inv.TryGetInt32(out var n) ? n - 1 : 0;
                marker = new WarmupMarker("lambda-warmer", ForeignHold, index);
                return true;
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return false;
    }
}
