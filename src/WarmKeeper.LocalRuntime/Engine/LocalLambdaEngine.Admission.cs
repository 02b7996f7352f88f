using System.Globalization;
using WarmKeeper.Lambda.Wire;
using WarmKeeper.LocalRuntime.Functions;

namespace WarmKeeper.LocalRuntime.Engine;

/// <summary>Admission and routing: which environment runs an invocation, how it is created, and where it goes after.</summary>
public sealed partial class LocalLambdaEngine
{
    private Uri? _serviceUrl;

    /// <summary>
    /// Where the Lambda API of this runtime actually listens, set by the server once it is bound: new
    /// environments are given it as AWS_ENDPOINT_URL_LAMBDA so an SDK inside a function calls back here.
    /// </summary>
    public Uri? ServiceUrl
    {
        get => Volatile.Read(ref _serviceUrl);
        internal set => Volatile.Write(ref _serviceUrl, value);
    }

    /// <summary>Throttle reason when the invocation may not start now; null when admitted.</summary>
    private string? AdmitLocked(FunctionRuntime fn)
    {
        if (fn.Reserved is int reserved)
        {
            return fn.InFlight >= reserved ? ThrottleReasons.ReservedFunctionConcurrentInvocationLimitExceeded : null;
        }

        var unreservedPool = Options.AccountConcurrency - _sumReserved;
        var used = 0;
        foreach (var f in _functionList)
        {
            if (f.Reserved is null)
            {
                used += f.InFlight;
            }
        }

        return used >= unreservedPool ? ThrottleReasons.ConcurrentInvocationLimitExceeded : null;
    }

    /// <summary>
    /// An idle provisioned environment of the qualifier first, else the most recently used idle on-demand
    /// one. Environments past their time, and those whose process has exited, are taken out into
    /// <paramref name="gone"/> (the caller disposes them and replaces provisioned ones): never routed to.
    /// </summary>
    private ExecutionEnvironment? TakeIdleLocked(FunctionRuntime fn, string? qualifier, string version, DateTimeOffset now, ref List<ExecutionEnvironment>? gone)
    {
        if (qualifier is not null && fn.Provisioned.Count > 0 && fn.Provisioned.TryGetValue(qualifier, out var pc))
        {
            for (var i = pc.Environments.Count - 1; i >= 0; i--)
            {
                var e = pc.Environments[i];
                if (e.State != EnvironmentState.Idle || e.RetireWhenIdle)
                {
                    continue;
                }

                if (IsDead(e))
                {
                    RemoveLocked(fn, e);
                    (gone ??= []).Add(e);
                    continue;
                }

                e.State = EnvironmentState.Busy;
                return e;
            }
        }

        var pool = fn.Pools[version];
        while (pool.Idle.Count > 0)
        {
            var last = pool.Idle.Count - 1;
            var e = pool.Idle[last];
            pool.Idle.RemoveAt(last);
            if (now - e.LastUsedAt >= Options.IdleTimeout || now - e.BornAt >= Options.MaxLifetime || IsDead(e))
            {
                pool.All.Remove(e);
                e.Discarded = true;
                (gone ??= []).Add(e);
                continue;
            }

            e.State = EnvironmentState.Busy;
            return e;
        }

        return null;
    }

    /// <summary>Its process exited (or is on its way out): another invocation would only meet Runtime.ExitError.</summary>
    private static bool IsDead(ExecutionEnvironment env) => env.Handler is { CanBeReused: false };

    /// <summary>Disposes environments taken out of the pools and replaces provisioned ones whose config still stands.</summary>
    private void DiscardTaken(FunctionRuntime fn, List<ExecutionEnvironment>? gone)
    {
        if (gone is null)
        {
            return;
        }

        foreach (var e in gone)
        {
            DisposeLater(fn.Definition.Name, e, IsDead(e) ? "process exited" : "idle or lifetime ended");
            if (e.Provisioned is { Removed: false } pc)
            {
                StartProvisioning(fn, pc, TimeSpan.Zero);
            }
        }
    }

    private readonly record struct InitError(string ErrorType, string Message);

    /// <summary>Creates the handler and runs its init within <see cref="LocalRuntimeOptions.InitTimeout"/>.</summary>
    private async ValueTask<InitError?> InitializeAsync(FunctionDefinition definition, ExecutionEnvironment env)
    {
        try
        {
            var handler = _handlers.Create(new FunctionEnvironmentSpec(
                definition.Name, definition.Options, env.Id, env.Version, env.Provisioned is not null, ServiceUrl, Options.Credentials));
            env.Handler = handler;
            using var initTimeout = new CancellationTokenSource(Options.InitTimeout, _time);
            using var onShutdown = _stopping.UnsafeRegister(static s => CancelQuietly((CancellationTokenSource)s!), initTimeout);
            try
            {
                await handler.InitAsync(initTimeout.Token).WaitAsync(initTimeout.Token);
            }
            catch (OperationCanceledException) when (initTimeout.IsCancellationRequested)
            {
                return new InitError("Runtime.InitTimeout",
                    "Init timed out after " + Options.InitTimeout.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " seconds");
            }

            return null;
        }
        catch (FunctionInitException ex)
        {
            Log.InitFailed(_logger, definition.Name, env.Id, ex.ErrorType, ex);
            return new InitError(ex.ErrorType, ex.Message);
        }
        catch (Exception ex)
        {
            Log.InitFailed(_logger, definition.Name, env.Id, "Runtime.InitError", ex);
            return new InitError("Runtime.InitError", ex.Message);
        }
    }

    /// <summary>Returns the environment after an invocation: back to idle, or out (discarded, retired, lifetime over).</summary>
    private void Release(FunctionRuntime fn, ExecutionEnvironment env, bool discard)
    {
        var now = _time.GetUtcNow();
        var remove = false;
        ProvisionedAllocation? replenish = null;
        lock (_gate)
        {
            fn.InFlight--;
            env.InvocationCount++;
            env.LastUsedAt = now;
            discard |= IsDead(env);
            if (discard || env.Discarded || env.RetireWhenIdle || now - env.BornAt >= Options.MaxLifetime)
            {
                remove = !env.Discarded;
                RemoveLocked(fn, env);
                if (env.Provisioned is { Removed: false } pc && !env.RetireWhenIdle)
                {
                    replenish = pc;
                }
            }
            else
            {
                env.State = EnvironmentState.Idle;
                if (env.Provisioned is null)
                {
                    fn.Pools[env.Version].Idle.Add(env);
                }
            }
        }

        if (remove)
        {
            DisposeLater(fn.Definition.Name, env, discard ? "timed out or crashed" : "retired");
        }

        if (replenish is not null)
        {
            StartProvisioning(fn, replenish, TimeSpan.Zero);
        }
    }
}
