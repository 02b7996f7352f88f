using System.Buffers;
using System.Text.Json;

namespace WarmKeeper.Core.Warmup;

/// <summary>Builds ping payloads in each supported warmer's format.</summary>
public static class WarmupPayloads
{
    /// <param name="policy">The policy being run.</param>
    /// <param name="correlationId">Shared by every ping of one run.</param>
    /// <param name="index">This ping's position in the fan-out (0-based).</param>
    /// <param name="fanOut">How many pings the run sends concurrently.</param>
    public static byte[] Build(WarmupPolicy policy, string correlationId, int index, int fanOut)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            switch (policy.PayloadFormat)
            {
                case WarmupPayloadFormat.WarmKeeper:
                    json.WriteStartObject();
                    json.WriteStartObject("warmkeeper");
                    json.WriteBoolean("warmup", true);
                    json.WriteString("correlationId", correlationId);
                    json.WriteNumber("index", index);
                    json.WriteNumber("fanOut", fanOut);
                    json.WriteNumber("holdMs", policy.HoldMs);
                    json.WriteString("policy", policy.Id);
                    json.WriteEndObject();
                    json.WriteEndObject();
                    break;
                case WarmupPayloadFormat.ServerlessPluginWarmup:
                    // As serverless-plugin-warmup sends it (its default payload).
                    json.WriteStartObject();
                    json.WriteString("source", "serverless-plugin-warmup");
                    json.WriteEndObject();
                    break;
                case WarmupPayloadFormat.LambdaWarmer:
                    // As lambda-warmer sends its fan-out invocations. Every ping carries the
                    // __WARMER_INVOCATION__ marker, even the first: WarmKeeper does the fan-out, and a
                    // lambda-warmer function that saw a bare {"warmer":true,"concurrency":N} would
                    // invoke itself N-1 more times from each ping (N² in all).
                    json.WriteStartObject();
                    json.WriteBoolean("warmer", true);
                    json.WriteNumber("concurrency", fanOut);
                    json.WriteNumber("__WARMER_INVOCATION__", index + 1);
                    json.WriteNumber("__WARMER_CONCURRENCY__", fanOut);
                    json.WriteString("__WARMER_CORRELATIONID__", correlationId);
                    json.WriteEndObject();
                    break;
                case WarmupPayloadFormat.Custom:
                    using (var doc = JsonDocument.Parse(policy.CustomPayload ?? "{}"))
                    {
                        doc.WriteTo(json);
                    }

                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(policy), policy.PayloadFormat, "Unknown payload format.");
            }
        }

        return buffer.WrittenSpan.ToArray();
    }
}
