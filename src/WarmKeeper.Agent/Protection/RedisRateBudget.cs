using StackExchange.Redis;
using WarmKeeper.Core.Protection;

namespace WarmKeeper.Agent.Protection;

/// <summary>
/// A token bucket held in Redis and timed by Redis's own clock (<c>TIME</c>), so every proxy instance
/// draws from one budget whatever their clocks say. The same reservation rule as
/// <see cref="TokenBucket"/>: a queued call takes a future token and is told how long to wait, and a
/// refused one is told exactly when a retry would be granted. When Redis fails, decisions come from
/// the configured fallback until <see cref="ProxyRedisOptions.RetryInterval"/> has passed.
/// </summary>
internal sealed partial class RedisRateBudget : IRateBudget
{
    // Times in microseconds; the level is stored as a float string. Returns {granted, waitUs, retryAfterUs}.
    private const string Script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local rate = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local maxWait = tonumber(ARGV[3])
        local ttl = tonumber(ARGV[4])
        local s = redis.call('HMGET', KEYS[1], 'l', 't')
        local level = tonumber(s[1])
        local ts = tonumber(s[2])
        if level == nil or ts == nil then level = burst; ts = now end
        if now > ts then
          level = math.min(burst, level + (now - ts) * rate / 1000000)
          ts = now
        end
        local granted = 0
        local wait = 0
        local retry = -1
        if level >= 1 then
          level = level - 1
          granted = 1
        elseif rate > 0 then
          local untilToken = (1 - level) * 1000000 / rate
          if untilToken <= maxWait then
            level = level - 1
            granted = 1
            wait = untilToken
          else
            retry = untilToken - maxWait
          end
        end
        redis.call('HSET', KEYS[1], 'l', tostring(level), 't', tostring(ts))
        redis.call('PEXPIRE', KEYS[1], ttl)
        return {granted, math.ceil(wait), math.ceil(retry)}
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKey _key;
    private readonly double _rate;
    private readonly int _burst;
    private readonly long _ttlMs;
    private readonly IRateBudget _fallback;
    private readonly ProxyRedisOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _limitId;
    private long _fallbackUntil;
    private volatile string _mode = BudgetModes.Shared;

    public RedisRateBudget(
        IConnectionMultiplexer redis, string limitId, double permitsPerSecond, int burst, TimeSpan maxQueueWait,
        IRateBudget fallback, ProxyRedisOptions options, TimeProvider time, ILogger logger)
    {
        _redis = redis;
        _limitId = limitId;
        _key = $"{options.KeyPrefix}:ratelimit:{limitId}";
        _rate = permitsPerSecond;
        _burst = burst;
        // Long enough for a full bucket to refill and the longest queued reservation to pass; a day for one-off allowances.
        _ttlMs = permitsPerSecond > 0
            ? (long)Math.Ceiling(burst / permitsPerSecond * 1000 + maxQueueWait.TotalMilliseconds) + 5_000
            : (long)TimeSpan.FromDays(1).TotalMilliseconds;
        _fallback = fallback;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public string Mode => _mode;

    public async ValueTask<BucketDecision> TakeAsync(TimeSpan maxWait, CancellationToken cancellationToken)
    {
        if (_time.GetTimestamp() < Volatile.Read(ref _fallbackUntil))
        {
            return await _fallback.TakeAsync(maxWait, cancellationToken);
        }

        try
        {
            var result = (RedisResult[]?)await _redis.GetDatabase()
                .ScriptEvaluateAsync(Script, [_key], [_rate, _burst, (long)maxWait.TotalMicroseconds, _ttlMs])
                .WaitAsync(_options.OperationTimeout, _time, cancellationToken);
            if (_mode != BudgetModes.Shared)
            {
                _mode = BudgetModes.Shared;
                LogBackOnRedis(_logger, _limitId);
            }

            var granted = (long)result![0] == 1;
            var wait = TimeSpan.FromMicroseconds((long)result[1]);
            var retry = (long)result[2];
            return new BucketDecision(granted, granted ? wait : TimeSpan.Zero,
                granted ? TimeSpan.Zero : retry < 0 ? TimeSpan.MaxValue : TimeSpan.FromMicroseconds(retry));
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            Volatile.Write(ref _fallbackUntil, _time.GetTimestamp() + (long)(_options.RetryInterval.TotalSeconds * _time.TimestampFrequency));
            if (_mode != BudgetModes.Fallback)
            {
                _mode = BudgetModes.Fallback;
                LogFallingBack(_logger, _limitId, _options.WhenUnavailable, e.Message);
            }

            return await _fallback.TakeAsync(maxWait, cancellationToken);
        }
    }

    public void Return()
    {
        // The shared bucket keeps tokens whose call did not run: giving back needs another round trip,
        // and the budget errs on the side of the downstream.
        if (_mode == BudgetModes.Fallback)
        {
            _fallback.Return();
        }
    }

    public void Dispose() => _fallback.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate limit {LimitId}: Redis unavailable ({Problem}); deciding locally ({Mode}) until it answers")]
    private static partial void LogFallingBack(ILogger logger, string limitId, RedisUnavailableMode mode, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rate limit {LimitId}: Redis answers again; the budget is shared")]
    private static partial void LogBackOnRedis(ILogger logger, string limitId);
}
