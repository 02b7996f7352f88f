using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.LocalRuntime.Engine;

public sealed partial class LocalLambdaEngine
{
    /// <summary>
    /// Reaps idle on-demand environments past <see cref="LocalRuntimeOptions.IdleTimeout"/> or whose process
    /// exited, and retires
    /// idle environments past <see cref="LocalRuntimeOptions.MaxLifetime"/> (provisioned ones are
    /// replaced). Runs on a <see cref="TimeProvider"/> timer; public so a host can force a sweep.
    /// </summary>
    public void SweepEnvironments()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            var now = _time.GetUtcNow();
            List<(FunctionRuntime Fn, ExecutionEnvironment Env, string Why)>? gone = null;
            List<(FunctionRuntime Fn, ProvisionedAllocation Pc)>? replenish = null;
            lock (_gate)
            {
                foreach (var fn in _functionList)
                {
                    foreach (var pool in fn.Pools.Values)
                    {
                        for (var i = pool.Idle.Count - 1; i >= 0; i--)
                        {
                            var e = pool.Idle[i];
                            var why = now - e.BornAt >= Options.MaxLifetime ? "lifetime ended"
                                : now - e.LastUsedAt >= Options.IdleTimeout ? "idle"
                                : IsDead(e) ? "process exited" : null;
                            if (why is null)
                            {
                                continue;
                            }

                            pool.Idle.RemoveAt(i);
                            pool.All.Remove(e);
                            e.Discarded = true;
                            (gone ??= []).Add((fn, e, why));
                        }
                    }

                    foreach (var pc in fn.Provisioned.Values)
                    {
                        for (var i = pc.Environments.Count - 1; i >= 0; i--)
                        {
                            var e = pc.Environments[i];
                            if (e.State != EnvironmentState.Idle || now - e.BornAt < Options.MaxLifetime)
                            {
                                continue;
                            }

                            pc.Environments.RemoveAt(i);
                            e.Discarded = true;
                            (gone ??= []).Add((fn, e, "lifetime ended; replaced"));
                            replenish ??= [];
                            if (!replenish.Contains((fn, pc)))
                            {
                                replenish.Add((fn, pc));
                            }
                        }
                    }
                }
            }

            if (gone is not null)
            {
                foreach (var (fn, e, why) in gone)
                {
                    DisposeLater(fn.Definition.Name, e, why);
                }
            }

            if (replenish is not null)
            {
                foreach (var (fn, pc) in replenish)
                {
                    StartProvisioning(fn, pc, TimeSpan.Zero);
                }
            }
        }
        catch (Exception ex)
        {
            Log.Unexpected(_logger, "environment sweep", ex);
        }
    }

    /// <summary>Takes the environment out of its pool or allocation; the caller disposes its handler.</summary>
    private static void RemoveLocked(FunctionRuntime fn, ExecutionEnvironment env)
    {
        if (env.Provisioned is { } pc)
        {
            pc.Environments.Remove(env);
        }
        else if (fn.Pools.TryGetValue(env.Version, out var pool))
        {
            pool.All.Remove(env);
            pool.Idle.Remove(env);
        }

        env.Discarded = true;
    }

    private void DisposeLater(string functionName, ExecutionEnvironment env, string why)
    {
        Log.Reaped(_logger, env.Id, functionName, why);
        if (env.Handler is { } handler)
        {
            _ = DisposeHandlerAsync(env.Id, handler);
        }
    }

    private async Task DisposeHandlerAsync(string environmentId, Functions.IFunctionHandler handler)
    {
        try
        {
            await handler.DisposeAsync();
        }
        catch (Exception ex)
        {
            Log.HandlerDisposeFailed(_logger, environmentId, ex);
        }
    }

    /// <summary>
    /// Brings the allocation up to its requested number of environments after <paramref name="delay"/>:
    /// the missing environments are created and initialized in the background.
    /// </summary>
    private void StartProvisioning(FunctionRuntime fn, ProvisionedAllocation pc, TimeSpan delay)
    {
        CancellationToken token;
        lock (_gate)
        {
            if (pc.Removed)
            {
                return;
            }

            token = pc.Provisioning.Token;
        }

        _ = ProvisionAsync(fn, pc, delay, token);
    }

    private async Task ProvisionAsync(FunctionRuntime fn, ProvisionedAllocation pc, TimeSpan delay, CancellationToken token)
    {
        try
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _time, token);
            }

            List<ExecutionEnvironment>? created = null;
            var now = _time.GetUtcNow();
            lock (_gate)
            {
                if (pc.Removed || token.IsCancellationRequested)
                {
                    return;
                }

                for (var missing = pc.Requested - pc.Live; missing > 0; missing--)
                {
                    var env = new ExecutionEnvironment(NewEnvironmentId(), pc.Version, pc, now);
                    pc.Environments.Add(env);
                    (created ??= []).Add(env);
                }

                if (created is null)
                {
                    UpdateProvisionedStatusLocked(fn, pc);
                    return;
                }
            }

            var inits = new Task[created.Count];
            for (var i = 0; i < created.Count; i++)
            {
                inits[i] = InitializeProvisionedAsync(fn, pc, created[i]);
            }

            await Task.WhenAll(inits);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // A newer Put or a Delete superseded this provisioning.
        }
        catch (Exception ex)
        {
            Log.Unexpected(_logger, "provisioning", ex);
        }
    }

    private async Task InitializeProvisionedAsync(FunctionRuntime fn, ProvisionedAllocation pc, ExecutionEnvironment env)
    {
        var error = await InitializeAsync(fn.Definition, env);
        var dispose = false;
        lock (_gate)
        {
            if (env.Discarded || pc.Removed)
            {
                dispose = true;
                env.Discarded = true;
                pc.Environments.Remove(env);
            }
            else if (error is not null)
            {
                dispose = true;
                RemoveLocked(fn, env);
                pc.Status = ProvisionedConcurrencyStatus.Failed;
                pc.StatusReason = error.Value.ErrorType + ": " + error.Value.Message;
                Log.ProvisionedStatus(_logger, fn.Definition.Name, pc.Qualifier, pc.Status, pc.Allocated, pc.Requested);
            }
            else
            {
                env.State = EnvironmentState.Idle;
                UpdateProvisionedStatusLocked(fn, pc);
            }
        }

        if (dispose)
        {
            DisposeLater(fn.Definition.Name, env, error is null ? "provisioned config removed" : "init failed");
        }
    }

    private void UpdateProvisionedStatusLocked(FunctionRuntime fn, ProvisionedAllocation pc)
    {
        if (pc.Status != ProvisionedConcurrencyStatus.Ready && pc.Status != ProvisionedConcurrencyStatus.Failed && pc.Allocated >= pc.Requested)
        {
            pc.Status = ProvisionedConcurrencyStatus.Ready;
            pc.StatusReason = null;
            Log.ProvisionedStatus(_logger, fn.Definition.Name, pc.Qualifier, pc.Status, pc.Allocated, pc.Requested);
        }
    }
}
