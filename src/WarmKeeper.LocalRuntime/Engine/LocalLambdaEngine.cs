using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using WarmKeeper.Core.Observations;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Lambda.Wire;
using WarmKeeper.LocalRuntime.Functions;
using WarmKeeper.Core.Targets;

namespace WarmKeeper.LocalRuntime.Engine;

/// <summary>
/// The built-in Lambda-compatible runtime: functions, their execution environments, reserved and
/// provisioned concurrency, throttling, and the three invocation types. The HTTP layer
/// (<see cref="Hosting.LocalRuntimeServer"/>) is a thin translation onto this class.
/// </summary>
/// <remarks>
/// All mutable state sits behind one gate. Critical sections only move environments between lists
/// and count; every await (init, invoke, dispose) happens outside it.
/// </remarks>
public sealed partial class LocalLambdaEngine : IAsyncDisposable
{
    /// <summary>The <see cref="InvocationObserved.Source"/> of invocations seen by this runtime.</summary>
    public const string SourceName = TargetNames.Local;

    private readonly Lock _gate = new();
    private readonly IFunctionHandlerFactory _handlers;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, FunctionRuntime> _functions;
    private readonly FunctionRuntime[] _functionList;
    private readonly CancellationTokenSource _shutdown = new();

    // Kept apart from _shutdown so a late invocation registers on a cancelled token (and ends at
    // once) instead of touching the disposed source.
    private readonly CancellationToken _stopping;
    private readonly InvocationObserverDispatcher _observers;

    /// <summary>Recognises the agent's own pings (not demand); null when the runtime runs without an agent.</summary>
    private readonly AgentPingProof? _agentPings;
    private readonly AsyncInvocationQueue _eventQueue;
    private readonly ITimer _sweepTimer;
    private readonly string _arnPrefix;
    private int _sumReserved;
    private int _disposed;

    public LocalLambdaEngine(
        LocalRuntimeOptions options,
        IFunctionHandlerFactory handlers,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        IEnumerable<IInvocationObserver>? observers = null,
        AgentPingProof? agentPings = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handlers);
        Options = options;
        _agentPings = agentPings;
        _handlers = handlers;
        _time = timeProvider ?? TimeProvider.System;
        LoggerFactory = loggerFactory;
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<LocalLambdaEngine>();
        _arnPrefix = "arn:aws:lambda:" + options.Region + ":" + options.AccountId + ":function:";

        var lastModified = LambdaTimestamps.Format(_time.GetUtcNow());
        _functions = new Dictionary<string, FunctionRuntime>(StringComparer.Ordinal);
        var names = new List<string>(options.Functions.Keys);
        names.Sort(StringComparer.Ordinal);
        _functionList = new FunctionRuntime[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            var definition = new FunctionDefinition(names[i], options.Functions[names[i]], _arnPrefix, lastModified);
            var runtime = new FunctionRuntime(definition);
            _functions[names[i]] = runtime;
            _functionList[i] = runtime;
        }

        _stopping = _shutdown.Token;
        _observers = new InvocationObserverDispatcher(observers, e => LocalLambdaEngineLog.ObserverFailed(_logger, e), _stopping);
        _eventQueue = new AsyncInvocationQueue(this, options.AsyncQueueCapacity, Math.Max(1, options.AsyncConcurrency), _time, _logger, _stopping);

        var sweepPeriod = SweepPeriod(options);
        _sweepTimer = _time.CreateTimer(static s => ((LocalLambdaEngine)s!).SweepEnvironments(), this, sweepPeriod, sweepPeriod);
    }

    public LocalRuntimeOptions Options { get; }

    public TimeProvider TimeProvider => _time;

    /// <summary>The logger factory the engine was built with (the server logs through it too).</summary>
    internal ILoggerFactory? LoggerFactory { get; }

    /// <summary>The configured functions, sorted by name.</summary>
    public IReadOnlyList<FunctionDefinition> Functions
    {
        get
        {
            var list = new FunctionDefinition[_functionList.Length];
            for (var i = 0; i < list.Length; i++)
            {
                list[i] = _functionList[i].Definition;
            }

            return list;
        }
    }

    /// <summary>Registers an observer of every invocation; dispose the result to unregister.</summary>
    public IDisposable Subscribe(IInvocationObserver observer) => _observers.Subscribe(observer);

    /// <summary>The largest number of concurrent invocations the function had since start (or the last reset).</summary>
    public int GetMaxObservedInFlight(string functionName)
    {
        var fn = FindFunction(functionName);
        lock (_gate)
        {
            return fn.MaxObservedInFlight;
        }
    }

    /// <summary>Current in-flight invocations of the function.</summary>
    public int GetInFlight(string functionName)
    {
        var fn = FindFunction(functionName);
        lock (_gate)
        {
            return fn.InFlight;
        }
    }

    /// <summary>Starts a new observation window for <see cref="GetMaxObservedInFlight"/>.</summary>
    public void ResetMaxObservedInFlight(string functionName)
    {
        var fn = FindFunction(functionName);
        lock (_gate)
        {
            fn.MaxObservedInFlight = fn.InFlight;
        }
    }

    /// <summary>Events accepted but not yet run (or waiting for a retry).</summary>
    public int PendingEventCount => _eventQueue.Pending;

    public LocalRuntimeSnapshot GetSnapshot()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var functions = new List<LocalFunctionSnapshot>(_functionList.Length);
            foreach (var fn in _functionList)
            {
                functions.Add(SnapshotOf(fn));
            }

            return new LocalRuntimeSnapshot(now, Options.AccountConcurrency, Options.AccountConcurrency - _sumReserved, functions);
        }
    }

    /// <summary>The snapshot of one function; <see cref="LambdaApiException"/> (404) when unknown.</summary>
    public LocalFunctionSnapshot GetFunctionSnapshot(string functionName)
    {
        var fn = FindFunction(functionName);
        lock (_gate)
        {
            return SnapshotOf(fn);
        }
    }

    private LocalFunctionSnapshot SnapshotOf(FunctionRuntime fn)
    {
        var d = fn.Definition;
        var environments = new List<LocalEnvironmentSnapshot>();
        foreach (var pool in fn.Pools.Values)
        {
            foreach (var e in pool.All)
            {
                environments.Add(EnvironmentSnapshot(e));
            }
        }

        var provisioned = new List<LocalProvisionedConcurrencySnapshot>(fn.Provisioned.Count);
        foreach (var pc in fn.Provisioned.Values)
        {
            provisioned.Add(new LocalProvisionedConcurrencySnapshot(pc.Qualifier, pc.Version, pc.Requested, pc.Allocated, pc.Status, pc.StatusReason, pc.LastModified));
            foreach (var e in pc.Environments)
            {
                environments.Add(EnvironmentSnapshot(e));
            }
        }

        var versions = new List<string>(d.PublishedVersions.Count + 1) { FunctionDefinition.Latest };
        versions.AddRange(d.PublishedVersions);
        return new LocalFunctionSnapshot
        {
            Name = d.Name,
            Arn = d.Arn,
            Handler = d.Options.Handler == LocalHandlerKind.Process ? "Process: " + d.HandlerName : d.Options.Handler.ToString(),
            Description = d.Options.Description,
            MemoryMb = d.Options.MemoryMb,
            Timeout = d.Options.Timeout,
            Versions = versions,
            Aliases = new Dictionary<string, string>(d.Aliases, StringComparer.Ordinal),
            ReservedConcurrency = fn.Reserved,
            ProvisionedConcurrency = provisioned,
            Environments = environments,
            InFlight = fn.InFlight,
            MaxObservedInFlight = fn.MaxObservedInFlight,
        };

        static LocalEnvironmentSnapshot EnvironmentSnapshot(ExecutionEnvironment e) =>
            new(e.Id, e.Version, e.Provisioned is not null, e.Provisioned?.Qualifier, e.State, e.BornAt, e.LastUsedAt, e.InvocationCount);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _shutdown.CancelAsync();
        await _sweepTimer.DisposeAsync();
        await _eventQueue.StopAsync();
        await _observers.StopAsync();

        var all = new List<ExecutionEnvironment>();
        lock (_gate)
        {
            foreach (var fn in _functionList)
            {
                foreach (var pool in fn.Pools.Values)
                {
                    all.AddRange(pool.All);
                    pool.All.Clear();
                    pool.Idle.Clear();
                }

                foreach (var pc in fn.Provisioned.Values)
                {
                    pc.Removed = true;
                    all.AddRange(pc.Environments);
                    pc.Environments.Clear();
                    pc.Provisioning.Dispose();
                }

                fn.Provisioned.Clear();
            }
        }

        foreach (var e in all)
        {
            e.Discarded = true;
            if (e.Handler is { } h)
            {
                try
                {
                    await h.DisposeAsync();
                }
                catch (Exception ex)
                {
                    Log.HandlerDisposeFailed(_logger, e.Id, ex);
                }
            }
        }

        _shutdown.Dispose();
    }

    private static TimeSpan SweepPeriod(LocalRuntimeOptions options)
    {
        var shortest = options.IdleTimeout < options.MaxLifetime ? options.IdleTimeout : options.MaxLifetime;
        var period = shortest / 4;
        if (period < TimeSpan.FromMilliseconds(20))
        {
            return TimeSpan.FromMilliseconds(20);
        }

        return period > TimeSpan.FromSeconds(10) ? TimeSpan.FromSeconds(10) : period;
    }

    private FunctionRuntime FindFunction(string functionName)
    {
        var reference = FunctionReference.Parse(functionName);
        return _functions.TryGetValue(reference.Name, out var fn)
            ? fn
            : throw new LambdaApiException(LambdaApiError.FunctionNotFound(_arnPrefix + reference.Name));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Cold start of {FunctionName}:{Version} in environment {EnvironmentId}")]
        public static partial void ColdStart(ILogger logger, string functionName, string version, string environmentId);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Init of {FunctionName} failed in environment {EnvironmentId}: {ErrorType}")]
        public static partial void InitFailed(ILogger logger, string functionName, string environmentId, string errorType, Exception exception);

        [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Invocation {RequestId} of {FunctionName} timed out after {Timeout}; environment {EnvironmentId} discarded")]
        public static partial void TimedOut(ILogger logger, string requestId, string functionName, TimeSpan timeout, string environmentId);

        [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Environment {EnvironmentId} of {FunctionName} crashed during {RequestId}: {ErrorType}")]
        public static partial void Crashed(ILogger logger, string environmentId, string functionName, string requestId, string errorType, Exception exception);

        [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Invocation {RequestId} of {FunctionName} throttled: {Reason}")]
        public static partial void Throttled(ILogger logger, string requestId, string functionName, string reason);

        [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Disposing the handler of environment {EnvironmentId} failed")]
        public static partial void HandlerDisposeFailed(ILogger logger, string environmentId, Exception exception);

        [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "Environment {EnvironmentId} of {FunctionName} reaped ({Why})")]
        public static partial void Reaped(ILogger logger, string environmentId, string functionName, string why);

        [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Provisioned concurrency of {FunctionName}:{Qualifier} is {Status} ({Allocated}/{Requested})")]
        public static partial void ProvisionedStatus(ILogger logger, string functionName, string qualifier, string status, int allocated, int requested);



        [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Unexpected failure in the local runtime's {Activity}")]
        public static partial void Unexpected(ILogger logger, string activity, Exception exception);

        [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Handler of environment {EnvironmentId} ({FunctionName}) failed during {RequestId}")]
        public static partial void HandlerFailed(ILogger logger, string environmentId, string functionName, string requestId, Exception exception);
    }
}
