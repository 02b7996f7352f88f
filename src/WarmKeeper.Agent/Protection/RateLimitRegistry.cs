using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Core.Protection;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.Agent.Protection;

/// <summary>
/// The limits in force, by function, swapped as a whole when a limit changes so the hot path reads
/// one immutable map without locks. Builds each limit's budget: local, or shared through Redis with
/// the configured fallback. Also keeps recent durations per function (the p95 behind reserved concurrency).
/// </summary>
public sealed class RateLimitRegistry : IDisposable
{
    private const int DurationSamples = 1024;

    private readonly ProxyOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly Lazy<ConnectionMultiplexer?> _redis;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, RateLimitCounters> _counters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Target, string Function), DurationWindow> _durations = new();
    private FrozenDictionary<string, RateLimitGate> _byId = FrozenDictionary<string, RateLimitGate>.Empty;
    private FrozenDictionary<(string Target, string Function), RateLimitGate[]> _byFunction = FrozenDictionary<(string, string), RateLimitGate[]>.Empty;

    public RateLimitRegistry(IOptions<ProxyOptions> options, TimeProvider time, ILoggerFactory loggers)
    {
        _options = options.Value;
        _time = time;
        _loggers = loggers;
        _redis = new Lazy<ConnectionMultiplexer?>(ConnectRedis, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The revisions last applied, to reload only what changed.</summary>
    internal IReadOnlyDictionary<string, long> Revisions { get; private set; } = new Dictionary<string, long>();

    /// <param name="function">The resolved name (<see cref="FunctionReference.Name"/>), never an ARN.</param>
    internal IReadOnlyList<RateLimitGate> For(string target, string function) =>
        _byFunction.TryGetValue((target, function), out var gates) ? gates : [];

    /// <summary>Live counts of a limit; null when the limit is not in force.</summary>
    public RateLimitStatus? StatusOf(string id) =>
        _byId.TryGetValue(id, out var gate)
            ? new RateLimitStatus(gate.Counters.Admitted, gate.Counters.Queued, gate.Counters.Rejected, gate.Counters.InFlight, gate.Counters.Waiting, gate.BudgetMode)
            : null;

    internal IEnumerable<RateLimitGate> Gates => _byId.Values;

    /// <summary>Bumped by every change; a refresh that read the store before a change must not undo it.</summary>
    public long Version => Interlocked.Read(ref _version);

    private long _version;

    /// <summary>
    /// Replaces every limit with <paramref name="limits"/> (unchanged ones keep their state), unless the
    /// registry changed since <paramref name="readAtVersion"/>: the listing is then older than that change.
    /// </summary>
    public bool ApplyAll(IReadOnlyList<Revisioned<RateLimitSpec>> limits, long readAtVersion)
    {
        lock (_gate)
        {
            if (Version != readAtVersion)
            {
                return false;
            }

            ApplyAll(limits);
            return true;
        }
    }

    /// <summary>Replaces every limit with <paramref name="limits"/>; unchanged ones keep their state.</summary>
    public void ApplyAll(IReadOnlyList<Revisioned<RateLimitSpec>> limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        lock (_gate)
        {
            var old = _byId;
            var next = new Dictionary<string, RateLimitGate>(StringComparer.Ordinal);
            foreach (var limit in limits)
            {
                var unchanged = old.TryGetValue(limit.Value.Id, out var existing)
                                && Revisions.TryGetValue(limit.Value.Id, out var revision) && revision == limit.Revision;
                next[limit.Value.Id] = unchanged ? existing! : Build(limit.Value);
            }

            Publish(next, old);
            Revisions = limits.ToDictionary(l => l.Value.Id, l => l.Revision, StringComparer.Ordinal);
        }
    }

    public void Apply(Revisioned<RateLimitSpec> limit)
    {
        ArgumentNullException.ThrowIfNull(limit);
        lock (_gate)
        {
            var old = _byId;
            var next = new Dictionary<string, RateLimitGate>(old, StringComparer.Ordinal) { [limit.Value.Id] = Build(limit.Value) };
            Publish(next, old);
            Revisions = new Dictionary<string, long>(Revisions, StringComparer.Ordinal) { [limit.Value.Id] = limit.Revision };
        }
    }

    public void Remove(string id)
    {
        lock (_gate)
        {
            var old = _byId;
            var next = new Dictionary<string, RateLimitGate>(old, StringComparer.Ordinal);
            next.Remove(id);
            Publish(next, old);
            var revisions = new Dictionary<string, long>(Revisions, StringComparer.Ordinal);
            revisions.Remove(id);
            Revisions = revisions;
            _counters.TryRemove(id, out _);
        }
    }

    /// <summary>Records how long a call of a function ran (the REPORT line's duration, else the round trip).</summary>
    public void RecordDuration(string target, string function, TimeSpan duration) =>
        _durations.GetOrAdd((target, function), static _ => new DurationWindow(DurationSamples)).Add(duration.TotalMilliseconds);

    /// <summary>The p95 of recent durations; null before any call was seen.</summary>
    public TimeSpan? P95Duration(string target, string function) =>
        _durations.TryGetValue((target, function), out var window) && window.Percentile(0.95) is { } ms ? TimeSpan.FromMilliseconds(ms) : null;

    public void Dispose()
    {
        foreach (var gate in _byId.Values)
        {
            gate.Dispose();
        }

        if (_redis.IsValueCreated)
        {
            _redis.Value?.Dispose();
        }
    }

    private void Publish(Dictionary<string, RateLimitGate> next, FrozenDictionary<string, RateLimitGate> old)
    {
        Interlocked.Increment(ref _version);
        _byId = next.ToFrozenDictionary(StringComparer.Ordinal);
        _byFunction = next.Values
            // Keyed by the function each entry resolves to, as the proxy resolves calls: a limit listing an ARN
            // or a partial ARN limits the same calls as one listing the name.
            .SelectMany(g => g.Spec.Functions.Select(f => (Key: (g.Spec.Target, FunctionReference.Parse(f).Name), Gate: g)))
            .GroupBy(x => x.Key)
            .ToFrozenDictionary(g => g.Key, g => g.Select(x => x.Gate).Distinct().OrderBy(x => x.Spec.Id, StringComparer.Ordinal).ToArray());

        // Calls holding a replaced gate's slots finish against it; its limiter is left to the GC
        // rather than disposed under them.
        _ = old;
    }

    private RateLimitGate Build(RateLimitSpec spec)
    {
        var counters = _counters.GetOrAdd(spec.Id, static _ => new RateLimitCounters());
        // Concurrency is not held in Redis: each of the instances sharing a budget gets an equal part of the
        // cap, so together they never exceed it (an idle instance's part is not lent to a busy one).
        int? share = spec.MaxConcurrency is { } max && !string.IsNullOrWhiteSpace(_options.Redis.Configuration)
            ? Math.Max(1, max / _options.Redis.Instances)
            : null;
        return new RateLimitGate(spec, BuildBudget(spec), counters, _time, share);
    }

    private IRateBudget? BuildBudget(RateLimitSpec spec)
    {
        if (spec.PermitsPerSecond is not { } rate)
        {
            return null;
        }

        var burst = spec.EffectiveBurst;
        var redis = string.IsNullOrWhiteSpace(_options.Redis.Configuration) ? null : _redis.Value;
        if (redis is null)
        {
            return new LocalRateBudget(rate, burst, _time);
        }

        var instances = _options.Redis.Instances;
        IRateBudget fallback = _options.Redis.WhenUnavailable switch
        {
            RedisUnavailableMode.LocalFull => new LocalRateBudget(rate, burst, _time),
            RedisUnavailableMode.RejectAll => new ClosedRateBudget(_options.Redis.RetryInterval),
            _ => new LocalRateBudget(rate / instances, Math.Max(1, (int)Math.Ceiling((double)burst / instances)), _time),
        };
        return new RedisRateBudget(redis, spec.Id, rate, burst, spec.EffectiveMaxQueueWait, fallback, _options.Redis, _time,
            _loggers.CreateLogger<RedisRateBudget>());
    }

    private ConnectionMultiplexer? ConnectRedis()
    {
        var configuration = ConfigurationOptions.Parse(_options.Redis.Configuration!);
        // Start even when Redis is down: the fallback decides until it answers.
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = (int)Math.Max(100, _options.Redis.OperationTimeout.TotalMilliseconds * 4);
        configuration.AsyncTimeout = (int)Math.Max(50, _options.Redis.OperationTimeout.TotalMilliseconds);
        configuration.SyncTimeout = configuration.AsyncTimeout;
        configuration.ConnectRetry = 1;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        return ConnectionMultiplexer.Connect(configuration);
    }

    /// <summary>A ring of recent durations.</summary>
    private sealed class DurationWindow(int capacity)
    {
        private readonly double[] _ring = new double[capacity];
        private readonly Lock _lock = new();
        private int _count;
        private int _next;

        public void Add(double ms)
        {
            lock (_lock)
            {
                _ring[_next] = ms;
                _next = (_next + 1) % _ring.Length;
                _count = Math.Min(_count + 1, _ring.Length);
            }
        }

        public double? Percentile(double p)
        {
            double[] copy;
            lock (_lock)
            {
                if (_count == 0)
                {
                    return null;
                }

                copy = _ring[.._count];
            }

            Array.Sort(copy);
            return copy[Math.Clamp((int)Math.Ceiling(p * copy.Length) - 1, 0, copy.Length - 1)];
        }
    }
}

/// <summary>Live counts of one limit, as the API shows them.</summary>
/// <param name="Budget">local, shared (Redis) or fallback (Redis unreachable); null without a rate.</param>
public sealed record RateLimitStatus(long Admitted, long Queued, long Rejected, int InFlight, int Waiting, string? Budget);
