using System.Buffers;
using System.Text;
using System.Text.Json;

namespace WarmKeeper.Core.Warmup;

/// <summary>A warm-up ping found in a payload.</summary>
/// <param name="Format">The warmer's format the ping is in (never <see cref="WarmupPayloadFormat.Custom"/>).</param>
/// <param name="FormatName">The format as policies and functions spell it: <c>warmkeeper</c>, <c>serverless-plugin-warmup</c>, <c>lambda-warmer</c>.</param>
/// <param name="Index">The ping's position in its run's fan-out (0-based); 0 where the format does not say.</param>
/// <param name="Hold">How long the ping asks its environment to stay busy; null where the format carries no hold time.</param>
public readonly record struct WarmupPing(WarmupPayloadFormat Format, string FormatName, int Index, TimeSpan? Hold);

/// <summary>
/// Every ping format in one place, each written and read side by side: the planner builds pings
/// here, and functions (the built-in handlers) read them here, so a change to a format is made once.
/// What a payload says never makes a call the agent's ping: any caller can write a warmer's payload.
/// The proxy and the runtime tell the agent's own pings by their proof (<see cref="AgentPingProof"/>).
/// </summary>
public static class WarmupPings
{
    /// <summary>In the order a payload is tried against them.</summary>
    private static readonly PingFormat[] Recognised = [new WarmKeeperFormat(), new ServerlessPluginWarmupFormat(), new LambdaWarmerFormat()];

    /// <summary>The payload of one ping of a run.</summary>
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
            if (policy.PayloadFormat == WarmupPayloadFormat.Custom)
            {
                using var doc = JsonDocument.Parse(policy.CustomPayload ?? "{}");
                doc.WriteTo(json);
            }
            else
            {
                var format = Array.Find(Recognised, f => f.Format == policy.PayloadFormat)
                             ?? throw new ArgumentOutOfRangeException(nameof(policy), policy.PayloadFormat, "Unknown payload format.");
                format.Write(json, policy, correlationId, index, fanOut);
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The <c>X-Amz-Client-Context</c> of the policy's pings (base64 of the JSON document): the
    /// policy's own <see cref="WarmupPolicy.ClientContext"/>, else what its format's warmer sends, else none.
    /// </summary>
    public static string? BuildClientContext(WarmupPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var json = policy.ClientContext ?? Array.Find(Recognised, f => f.Format == policy.PayloadFormat)?.DefaultClientContext;
        return json is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Reads a ping out of a whole payload, as a function written for the warmer would.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out WarmupPing ping)
    {
        ping = default;
        // Cheap pre-check so ordinary invocations pay one vectorized scan, not a parse.
        if (payload.IndexOf("warm"u8) < 0)
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(payload);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            foreach (var format in Recognised)
            {
                if (format.TryRead(doc.RootElement, out ping))
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return false;
    }

    /// <param name="Format">The policy's setting that selects this format.</param>
    /// <param name="Name">The format as policies and functions spell it.</param>
    private abstract class PingFormat(WarmupPayloadFormat format, string name)
    {
        public WarmupPayloadFormat Format { get; } = format;

        public string Name { get; } = name;

        public abstract void Write(Utf8JsonWriter json, WarmupPolicy policy, string correlationId, int index, int fanOut);

        /// <summary>The client context JSON the format's warmer sends when the policy sets none; null for none.</summary>
        public virtual string? DefaultClientContext => null;

        public abstract bool TryRead(JsonElement root, out WarmupPing ping);
    }

    /// <summary><c>{"warmkeeper":{"warmup":true,"correlationId":…,"index":…,"fanOut":…,"holdMs":…,"policy":…}}</c></summary>
    private sealed class WarmKeeperFormat() : PingFormat(WarmupPayloadFormat.WarmKeeper, "warmkeeper")
    {
        /// <summary>A function holds a ping at most this long, whatever the ping asks.</summary>
        private const int MaxHoldMs = 10_000;

        public override void Write(Utf8JsonWriter json, WarmupPolicy policy, string correlationId, int index, int fanOut)
        {
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
        }

        public override bool TryRead(JsonElement root, out WarmupPing ping)
        {
            ping = default;
            if (!root.TryGetProperty("warmkeeper", out var wk) || wk.ValueKind != JsonValueKind.Object
                || !wk.TryGetProperty("warmup", out var w) || w.ValueKind != JsonValueKind.True)
            {
                return false;
            }

            var hold = wk.TryGetProperty("holdMs", out var h) && h.TryGetInt32(out var ms) && ms > 0
                ? TimeSpan.FromMilliseconds(Math.Min(ms, MaxHoldMs))
                : TimeSpan.Zero;
            var index = wk.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : 0;
            ping = new WarmupPing(Format, Name, index, hold);
            return true;
        }
    }

    /// <summary>
    /// serverless-plugin-warmup 8.x: its generated warmer invokes with payload
    /// <c>{"source":"serverless-plugin-warmup"}</c> and, unless configured otherwise, the same JSON as the
    /// client context's <c>custom</c> (<c>{"custom":{"source":"serverless-plugin-warmup"}}</c>, base64):
    /// handlers written per its README check either.
    /// </summary>
    private sealed class ServerlessPluginWarmupFormat()
        : PingFormat(WarmupPayloadFormat.ServerlessPluginWarmup, "serverless-plugin-warmup")
    {
        public override void Write(Utf8JsonWriter json, WarmupPolicy policy, string correlationId, int index, int fanOut)
        {
            json.WriteStartObject();
            json.WriteString("source", Name);
            json.WriteEndObject();
        }

        /// <summary>Byte for byte what the plugin's warmer sends: <c>`{"custom":${payload}}`</c> over its JSON.stringify'd payload.</summary>
        public override string? DefaultClientContext => "{\"custom\":{\"source\":\"serverless-plugin-warmup\"}}";

        public override bool TryRead(JsonElement root, out WarmupPing ping)
        {
            ping = default;
            if (!root.TryGetProperty("source", out var source) || source.ValueKind != JsonValueKind.String || !source.ValueEquals(Name))
            {
                return false;
            }

            ping = new WarmupPing(Format, Name, 0, null);
            return true;
        }
    }

    /// <summary>
    /// lambda-warmer (npm 2.3.0) and lambda-warmer-py (0.6.0): a ping is written exactly as one of the
    /// libraries' own fan-out children, <c>{"warmer":true,"__WARMER_INVOCATION__":i,"__WARMER_CONCURRENCY__":n,…}</c>
    /// with no <c>concurrency</c> field. Both libraries fan out from any event whose <c>concurrency</c>
    /// is above 1 (neither looks at <c>__WARMER_INVOCATION__</c> for that), so a ping carrying it would
    /// multiply the fan-out that WarmKeeper already does; a child is never fanned out from.
    /// WarmKeeper stands where the libraries' first invocation stands (the one that fans out and holds
    /// no environment of its pings), so pings are invocations 2..n+1 of n+1: both libraries hold an
    /// environment for their delay (75 ms) only when the invocation number is above 1, which keeps
    /// concurrent pings off each other's environments. The correlation id goes under both
    /// libraries' names (Node: <c>__WARMER_CORRELATIONID__</c>, Python: <c>__WARMER_CORRELATION_ID__</c>).
    /// </summary>
    private sealed class LambdaWarmerFormat() : PingFormat(WarmupPayloadFormat.LambdaWarmer, "lambda-warmer")
    {
        /// <summary>The invocation number of the first ping; invocation 1 is the fan-out's origin, WarmKeeper.</summary>
        private const int FirstInvocation = 2;

        public override void Write(Utf8JsonWriter json, WarmupPolicy policy, string correlationId, int index, int fanOut)
        {
            json.WriteStartObject();
            json.WriteBoolean("warmer", true);
            json.WriteNumber("__WARMER_INVOCATION__", index + FirstInvocation);
            json.WriteNumber("__WARMER_CONCURRENCY__", fanOut + FirstInvocation - 1);
            json.WriteString("__WARMER_CORRELATIONID__", correlationId);
            json.WriteString("__WARMER_CORRELATION_ID__", correlationId);
            json.WriteEndObject();
        }

        public override bool TryRead(JsonElement root, out WarmupPing ping)
        {
            ping = default;
            if (!root.TryGetProperty("warmer", out var warmer) || warmer.ValueKind != JsonValueKind.True)
            {
                return false;
            }

            // An event the library itself sent (or a schedule's {"warmer":true,"concurrency":N}) is a ping too; where it is not ours, index 0.
            var index = root.TryGetProperty("__WARMER_INVOCATION__", out var inv) && inv.TryGetInt32(out var n) ? Math.Max(0, n - FirstInvocation) : 0;
            ping = new WarmupPing(Format, Name, index, null);
            return true;
        }
    }
}
