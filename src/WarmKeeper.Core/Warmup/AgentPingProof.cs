using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace WarmKeeper.Core.Warmup;

/// <summary>
/// Tells the agent's own warm-up pings from every other call, by something a caller cannot forge:
/// the pinger sends, in the <c>X-WarmKeeper-Ping</c> header (WarmKeeperHeaders.Ping), an HMAC-SHA256, under a secret only the agents
/// hold, over the operation, the function and qualifier the call resolves to, the instant it was
/// signed, a one-time nonce and the SHA-256 of the payload. A payload alone never makes a ping
/// (any caller can write a warmer's marker); a proof copied onto another payload, another function
/// or a later instant fails, and one replayed as it was fails once its nonce has been seen.
/// </summary>
/// <remarks>
/// Every hop that relies on the proof verifies (and so uses up) its own: a proxy that recognised a
/// ping signs a fresh proof for the target it forwards to. Nonces are remembered per process for
/// the validity window; agents that share a secret (several sidecars before one target) each keep
/// their own, so a proof replayed to a different agent inside the window is not caught there — the
/// window is short for that reason.
/// </remarks>
public sealed class AgentPingProof
{
    /// <summary>How far a proof's instant may be from the verifier's clock (either way: agents sharing a secret run on different clocks).</summary>
    public static readonly TimeSpan Validity = TimeSpan.FromSeconds(30);

    /// <summary>Shortest secret accepted: the HMAC's own block of security.</summary>
    public const int MinSecretBytes = 32;

    private const string Version = "v1";
    private const int NonceBytes = 16;
    private const int MacBytes = 32;

    private readonly byte[] _secret;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, long> _seen = new(StringComparer.Ordinal);
    private long _nextPruneMs;

    public AgentPingProof(ReadOnlySpan<byte> secret, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (secret.Length < MinSecretBytes)
        {
            throw new ArgumentException($"The ping secret must be at least {MinSecretBytes} bytes.", nameof(secret));
        }

        _secret = secret.ToArray();
        _time = time;
    }

    /// <summary>A proof with a secret of this process's own: pings it sends are recognised by itself only.</summary>
    public static AgentPingProof WithRandomSecret(TimeProvider time) => new(RandomNumberGenerator.GetBytes(MinSecretBytes), time);

    /// <summary>The header value for a ping of <paramref name="function"/> (the resolved name) under <paramref name="qualifier"/>.</summary>
    public string Sign(string function, string? qualifier, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(function);
        var at = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(NonceBytes));
        Span<byte> mac = stackalloc byte[MacBytes];
        Compute(at, nonce, function, qualifier, payload, mac);
        return string.Create(CultureInfo.InvariantCulture, $"{Version}.{at}.{nonce}.{Base64Url.EncodeToString(mac)}");
    }

    /// <summary>
    /// True when <paramref name="proof"/> was signed by an agent holding this secret, for this very call,
    /// within <see cref="Validity"/>, and has not been used before. Never throws on what a caller sent.
    /// </summary>
    public bool Verify(string? proof, string function, string? qualifier, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (string.IsNullOrEmpty(proof) || proof.Length > 256)
        {
            return false;
        }

        var parts = proof.Split('.');
        if (parts.Length != 4 || parts[0] != Version
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var at)
            || parts[2].Length != NonceBytes * 2)
        {
            return false;
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (Math.Abs(now - at) > (long)Validity.TotalMilliseconds)
        {
            return false;
        }

        Span<byte> given = stackalloc byte[MacBytes + 2];
        if (!Base64Url.TryDecodeFromChars(parts[3], given, out var written) || written != MacBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[MacBytes];
        Compute(at, parts[2], function, qualifier, payload, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, given[..MacBytes]))
        {
            return false;
        }

        Prune(now);
        return _seen.TryAdd(parts[2], at + (long)Validity.TotalMilliseconds);
    }

    private void Compute(long at, string nonce, string function, string? qualifier, ReadOnlySpan<byte> payload, Span<byte> mac)
    {
        Span<byte> payloadHash = stackalloc byte[32];
        SHA256.HashData(payload, payloadHash);
        // Fields separated by '\n', which no name, qualifier, number or hex digit contains.
        var signed = string.Create(CultureInfo.InvariantCulture,
            $"{Version}\nInvoke\n{at}\n{nonce}\n{function}\n{qualifier}\n{Convert.ToHexStringLower(payloadHash)}");
        HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(signed), mac);
    }

    /// <summary>Forgets nonces whose proofs have expired, at most once a second.</summary>
    private void Prune(long nowMs)
    {
        var due = Interlocked.Read(ref _nextPruneMs);
        if (nowMs < due || Interlocked.CompareExchange(ref _nextPruneMs, nowMs + 1000, due) != due)
        {
            return;
        }

        foreach (var (nonce, expires) in _seen)
        {
            if (expires < nowMs)
            {
                _seen.TryRemove(nonce, out _);
            }
        }
    }
}
