using System.Globalization;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.LocalRuntime.Engine;

/// <summary>Reserved and provisioned concurrency: the limits an invocation is admitted under and the environments kept initialized.</summary>
public sealed partial class LocalLambdaEngine
{
    public Concurrency PutFunctionConcurrency(string functionName, int? reservedConcurrentExecutions)
    {
        var fn = FindFunction(functionName);
        if (reservedConcurrentExecutions is not int reserved)
        {
            throw new LambdaApiException(LambdaApiError.InvalidParameter(
                "1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null"));
        }

        if (reserved < 0)
        {
            throw new LambdaApiException(LambdaApiError.InvalidParameter(string.Create(CultureInfo.InvariantCulture,
                $"1 validation error detected: Value '{reserved}' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0")));
        }

        lock (_gate)
        {
            var others = _sumReserved - (fn.Reserved ?? 0);
            if (Options.AccountConcurrency - (others + (long)reserved) < Options.UnreservedConcurrencyFloor)
            {
                throw new LambdaApiException(LambdaApiError.InvalidParameter(string.Create(CultureInfo.InvariantCulture,
                    $"Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [{Options.UnreservedConcurrencyFloor}].")));
            }

            var provisioned = fn.ProvisionedTotal;
            if (reserved < provisioned)
            {
                throw new LambdaApiException(LambdaApiError.InvalidParameter(string.Create(CultureInfo.InvariantCulture,
                    $"Specified ReservedConcurrentExecutions [{reserved}] is less than the function's total provisioned concurrency [{provisioned}].")));
            }

            _sumReserved = others + reserved;
            fn.Reserved = reserved;
        }

        return new Concurrency { ReservedConcurrentExecutions = reserved };
    }

    public void DeleteFunctionConcurrency(string functionName)
    {
        var fn = FindFunction(functionName);
        lock (_gate)
        {
            _sumReserved -= fn.Reserved ?? 0;
            fn.Reserved = null;
        }
    }

    public GetFunctionConcurrencyResponse GetFunctionConcurrency(string functionName)
    {
        var fn = FindFunction(functionName);
        lock (_gate)
        {
            return new GetFunctionConcurrencyResponse { ReservedConcurrentExecutions = fn.Reserved };
        }
    }

    /// <summary>
    /// Sets the provisioned concurrency of a published version or alias. Answers IN_PROGRESS; the
    /// environments are initialized in the background after <see cref="LocalRuntimeOptions.ProvisioningDelay"/>.
    /// </summary>
    public ProvisionedConcurrencyConfig PutProvisionedConcurrencyConfig(string functionName, string? qualifier, int? provisionedConcurrentExecutions)
    {
        var (fn, q, version) = ResolveProvisionedQualifier(functionName, qualifier);
        if (provisionedConcurrentExecutions is not int requested || requested < 1)
        {
            throw new LambdaApiException(LambdaApiError.InvalidParameter(string.Create(CultureInfo.InvariantCulture,
                $"1 validation error detected: Value {(provisionedConcurrentExecutions is null ? "null" : "'" + provisionedConcurrentExecutions + "'")} at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1")));
        }

        List<ExecutionEnvironment>? trimmed = null;
        ProvisionedAllocation pc;
        bool provisionMore;
        lock (_gate)
        {
            fn.Provisioned.TryGetValue(q, out var existing);
            var others = fn.ProvisionedTotal - (existing?.Requested ?? 0);
            if (fn.Reserved is int reserved)
            {
                if (others + requested > reserved)
                {
                    throw new LambdaApiException(LambdaApiError.InvalidParameter(string.Create(CultureInfo.InvariantCulture,
                        $"Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function: requested {others + requested} in total, reserved {reserved}.")));
                }
            }
            else
            {
                var unreservedProvisioned = 0;
                foreach (var f in _functionList)
                {
                    if (f.Reserved is null && f != fn)
                    {
                        unreservedProvisioned += f.ProvisionedTotal;
                    }
                }

                var available = Options.AccountConcurrency - _sumReserved - Options.UnreservedConcurrencyFloor - unreservedProvisioned - others;
                if (requested > available)
                {
                    throw new LambdaApiException(LambdaApiError.InvalidParameter(string.Create(CultureInfo.InvariantCulture,
                        $"Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [{Math.Max(0, available)}].")));
                }
            }

            if (existing is null)
            {
                pc = new ProvisionedAllocation(q, version);
                fn.Provisioned[q] = pc;
            }
            else
            {
                pc = existing;
                pc.Provisioning.Cancel();
                pc.Provisioning.Dispose();
                pc.Provisioning = new CancellationTokenSource();
            }

            pc.Requested = requested;
            pc.LastModified = _time.GetUtcNow();
            pc.StatusReason = null;
            trimmed = TrimLocked(pc, pc.Live - requested);
            provisionMore = pc.Live < requested;
            pc.Status = !provisionMore && pc.Allocated >= requested
                ? ProvisionedConcurrencyStatus.Ready
                : ProvisionedConcurrencyStatus.InProgress;
        }

        DisposeAll(fn, trimmed, "provisioned concurrency lowered");
        if (provisionMore)
        {
            StartProvisioning(fn, pc, Options.ProvisioningDelay);
        }

        return GetProvisionedConcurrencyConfig(functionName, q);
    }

    public ProvisionedConcurrencyConfig GetProvisionedConcurrencyConfig(string functionName, string? qualifier)
    {
        var (fn, q, _) = ResolveProvisionedQualifier(functionName, qualifier);
        lock (_gate)
        {
            if (!fn.Provisioned.TryGetValue(q, out var pc))
            {
                throw new LambdaApiException(ProvisionedConfigNotFound());
            }

            var allocated = pc.Allocated;
            return new ProvisionedConcurrencyConfig
            {
                RequestedProvisionedConcurrentExecutions = pc.Requested,
                AllocatedProvisionedConcurrentExecutions = allocated,
                AvailableProvisionedConcurrentExecutions = allocated,
                Status = pc.Status,
                StatusReason = pc.StatusReason,
                LastModified = LambdaTimestamps.Format(pc.LastModified),
            };
        }
    }

    public void DeleteProvisionedConcurrencyConfig(string functionName, string? qualifier)
    {
        var (fn, q, _) = ResolveProvisionedQualifier(functionName, qualifier);
        List<ExecutionEnvironment>? trimmed;
        lock (_gate)
        {
            if (!fn.Provisioned.Remove(q, out var pc))
            {
                throw new LambdaApiException(ProvisionedConfigNotFound());
            }

            pc.Removed = true;
            pc.Provisioning.Cancel();
            trimmed = TrimLocked(pc, int.MaxValue);
        }

        DisposeAll(fn, trimmed, "provisioned concurrency deleted");
    }

    public ListProvisionedConcurrencyConfigsResponse ListProvisionedConcurrencyConfigs(string functionName, string? marker, int? maxItems)
    {
        var fn = FindFunction(functionName);
        var items = new List<ProvisionedConcurrencyConfigListItem>();
        lock (_gate)
        {
            foreach (var pc in fn.Provisioned.Values)
            {
                var allocated = pc.Allocated;
                items.Add(new ProvisionedConcurrencyConfigListItem
                {
                    FunctionArn = fn.Definition.QualifiedArn(pc.Qualifier),
                    RequestedProvisionedConcurrentExecutions = pc.Requested,
                    AllocatedProvisionedConcurrentExecutions = allocated,
                    AvailableProvisionedConcurrentExecutions = allocated,
                    Status = pc.Status,
                    StatusReason = pc.StatusReason,
                    LastModified = LambdaTimestamps.Format(pc.LastModified),
                });
            }
        }

        var (page, next) = Paging.Page(items, marker, maxItems, DefaultPageSize);
        return new ListProvisionedConcurrencyConfigsResponse { ProvisionedConcurrencyConfigs = page, NextMarker = next };
    }

    private static LambdaApiError ProvisionedConfigNotFound() =>
        new(404, LambdaErrorTypes.ProvisionedConcurrencyConfigNotFound, "No Provisioned Concurrency Config found for this function");

    /// <summary>Removes up to <paramref name="count"/> environments: idle first, then initializing; busy ones retire at release.</summary>
    private static List<ExecutionEnvironment>? TrimLocked(ProvisionedAllocation pc, int count)
    {
        List<ExecutionEnvironment>? removed = null;
        foreach (var state in (ReadOnlySpan<EnvironmentState>)[EnvironmentState.Idle, EnvironmentState.Initializing, EnvironmentState.Busy])
        {
            for (var i = pc.Environments.Count - 1; i >= 0 && count > 0; i--)
            {
                var e = pc.Environments[i];
                if (e.State != state || e.RetireWhenIdle)
                {
                    continue;
                }

                count--;
                if (state == EnvironmentState.Busy)
                {
                    e.RetireWhenIdle = true;
                    continue;
                }

                pc.Environments.RemoveAt(i);
                e.Discarded = true;
                if (state == EnvironmentState.Idle)
                {
                    (removed ??= []).Add(e);
                }
            }
        }

        return removed;
    }

    private void DisposeAll(FunctionRuntime fn, List<ExecutionEnvironment>? environments, string why)
    {
        if (environments is null)
        {
            return;
        }

        foreach (var e in environments)
        {
            DisposeLater(fn.Definition.Name, e, why);
        }
    }

    private (FunctionRuntime Fn, string Qualifier, string Version) ResolveProvisionedQualifier(string functionName, string? qualifier)
    {
        var reference = FunctionReference.Parse(functionName);
        var q = string.IsNullOrEmpty(qualifier) ? reference.Qualifier : qualifier;
        if (string.IsNullOrEmpty(q))
        {
            _ = FindFunction(functionName);
            throw new LambdaApiException(LambdaApiError.InvalidParameter(
                "1 validation error detected: Value null at 'qualifier' failed to satisfy constraint: Member must not be null"));
        }

        if (q == FunctionDefinition.Latest)
        {
            _ = FindFunction(functionName);
            throw new LambdaApiException(LambdaApiError.InvalidParameter("Provisioned Concurrency Configs cannot be applied to unpublished function versions."));
        }

        var (fn, _, version) = Resolve(functionName, q);
        if (version == FunctionDefinition.Latest)
        {
            throw new LambdaApiException(LambdaApiError.InvalidParameter("Provisioned Concurrency Configs cannot be applied to unpublished function versions."));
        }

        return (fn, q, version);
    }
}
