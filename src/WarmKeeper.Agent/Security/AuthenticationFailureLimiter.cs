using System.Net;
using Microsoft.Extensions.Options;
using WarmKeeper.Core.Protection;

namespace WarmKeeper.Agent.Security;

/// <summary>
/// Failed authentications (wrong API keys, wrong dashboard sign-ins) per client address: a token bucket per address
/// (IPv6 by /64, which one host usually holds whole) on the agent's clock. Beyond the bucket a failure is answered 429
/// with Retry-After. Only failures are counted, so a correct key is never slowed. Failures are logged in aggregate,
/// one line per address per <see cref="FailedAuthenticationOptions.LogInterval"/> with a count, so that guessing
/// cannot flood the log. Thread-safe.
/// </summary>
public sealed partial class AuthenticationFailureLimiter : IDisposable
{
    /// <summary>Addresses tracked at once; beyond it, new addresses share one bucket (a flood of addresses is itself throttled).</summary>
    internal const int MaxTrackedAddresses = 10_000;

    private const string Overflow = "(other addresses)";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _byAddress = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger<AuthenticationFailureLimiter> _logger;
    private readonly FailedAuthenticationOptions _options;
    private readonly ITimer _flush;

    public AuthenticationFailureLimiter(IOptions<ApiSecurityOptions> options, TimeProvider time, ILogger<AuthenticationFailureLimiter> logger)
    {
        _options = options.Value.FailedAuthentication;
        _time = time;
        _logger = logger;
        _flush = time.CreateTimer(_ => Flush(), null, _options.LogInterval, _options.LogInterval);
    }

    /// <summary>Counts one failed authentication from <paramref name="address"/>.</summary>
    /// <returns>Null while the address is within its allowance; else how long until another attempt would be allowed.</returns>
    public TimeSpan? RecordFailure(IPAddress? address)
    {
        var key = Partition(address);
        lock (_gate)
        {
            var now = Now();
            if (!_byAddress.TryGetValue(key, out var entry))
            {
                if (_byAddress.Count >= MaxTrackedAddresses && !_byAddress.TryGetValue(key = Overflow, out entry))
                {
                    entry = NewEntry(now);
                    _byAddress[key] = entry;
                }
                else if (entry is null)
                {
                    entry = NewEntry(now);
                    _byAddress[key] = entry;
                }
            }

            entry.Failures++;
            var decision = entry.Bucket.Take(now, TimeSpan.Zero);
            if (decision.Granted)
            {
                return null;
            }

            entry.Refused++;
            return decision.RetryAfter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : decision.RetryAfter;
        }
    }

    public void Dispose() => _flush.Dispose();

    /// <summary>One line per address that failed since the last flush; addresses back to a full allowance are forgotten.</summary>
    private void Flush()
    {
        List<(string Address, int Failures, int Refused)> report = [];
        lock (_gate)
        {
            var now = Now();
            foreach (var (address, entry) in _byAddress)
            {
                if (entry.Failures > 0)
                {
                    report.Add((address, entry.Failures, entry.Refused));
                    entry.Failures = 0;
                    entry.Refused = 0;
                }
                else if (entry.Bucket.Level(now) >= _options.Burst)
                {
                    _byAddress.Remove(address);
                }
            }
        }

        foreach (var (address, failures, refused) in report)
        {
            LogFailures(_logger, failures, address, _options.LogInterval, refused);
        }
    }

    private Entry NewEntry(double now) => new(new TokenBucket(_options.PerMinute / 60.0, _options.Burst, now));

    private double Now() => _time.GetTimestamp() / (double)_time.TimestampFrequency;

    internal static string Partition(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Failures} failed authentications from {Address} in the last {Interval} ({Refused} of them answered 429)")]
    private static partial void LogFailures(ILogger logger, int failures, string address, TimeSpan interval, int refused);

    private sealed class Entry(TokenBucket bucket)
    {
        public TokenBucket Bucket { get; } = bucket;
        public int Failures { get; set; }
        public int Refused { get; set; }
    }
}
