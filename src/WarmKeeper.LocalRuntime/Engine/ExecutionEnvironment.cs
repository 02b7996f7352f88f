using WarmKeeper.LocalRuntime.Functions;

namespace WarmKeeper.LocalRuntime.Engine;

/// <summary>What an execution environment is doing right now.</summary>
public enum EnvironmentState
{
    Initializing,
    Idle,
    Busy,
}

/// <summary>
/// One execution environment: a handler instance that was initialized once and runs one
/// invocation at a time. All mutable state is guarded by the engine's gate.
/// </summary>
internal sealed class ExecutionEnvironment(string id, string version, ProvisionedAllocation? provisioned, DateTimeOffset bornAt)
{
    public string Id { get; } = id;
    public string Version { get; } = version;

    /// <summary>The provisioned-concurrency allocation this environment belongs to; null for on-demand.</summary>
    public ProvisionedAllocation? Provisioned { get; } = provisioned;

    public IFunctionHandler? Handler { get; set; }
    public EnvironmentState State { get; set; } = EnvironmentState.Initializing;
    public DateTimeOffset BornAt { get; } = bornAt;
    public DateTimeOffset LastUsedAt { get; set; } = bornAt;
    public long InvocationCount { get; set; }

    /// <summary>Set once the environment left every pool; its handler is (being) disposed.</summary>
    public bool Discarded { get; set; }

    /// <summary>Busy when it had to go (config deleted or shrunk): discard at release instead of reusing.</summary>
    public bool RetireWhenIdle { get; set; }
}

/// <summary>The on-demand environments of one function version.</summary>
internal sealed class VersionPool(string version)
{
    public string Version { get; } = version;

    /// <summary>Idle environments; the most recently used is last, and is reused first.</summary>
    public List<ExecutionEnvironment> Idle { get; } = [];

    /// <summary>Every live on-demand environment of the version (idle, busy, initializing).</summary>
    public List<ExecutionEnvironment> All { get; } = [];
}

/// <summary>A provisioned-concurrency config of one qualifier (alias or version) and its environments.</summary>
internal sealed class ProvisionedAllocation(string qualifier, string version)
{
    public string Qualifier { get; } = qualifier;
    public string Version { get; } = version;
    public int Requested { get; set; }
    public string Status { get; set; } = Lambda.Wire.ProvisionedConcurrencyStatus.InProgress;
    public string? StatusReason { get; set; }
    public DateTimeOffset LastModified { get; set; }
    public List<ExecutionEnvironment> Environments { get; } = [];
    public bool Removed { get; set; }

    /// <summary>Cancels the pending provisioning of an earlier Put when a newer one (or a Delete) arrives.</summary>
    public CancellationTokenSource Provisioning { get; set; } = new();

    /// <summary>Environments that finished init and are not on their way out.</summary>
    public int Allocated
    {
        get
        {
            var n = 0;
            foreach (var e in Environments)
            {
                if (e.State != EnvironmentState.Initializing && !e.RetireWhenIdle)
                {
                    n++;
                }
            }

            return n;
        }
    }

    /// <summary>Environments that count toward the requested number (initializing included).</summary>
    public int Live
    {
        get
        {
            var n = 0;
            foreach (var e in Environments)
            {
                if (!e.RetireWhenIdle)
                {
                    n++;
                }
            }

            return n;
        }
    }
}

/// <summary>Per-function mutable state, guarded by the engine's gate.</summary>
internal sealed class FunctionRuntime
{
    public FunctionRuntime(FunctionDefinition definition)
    {
        Definition = definition;
        Pools = new Dictionary<string, VersionPool>(StringComparer.Ordinal)
        {
            [FunctionDefinition.Latest] = new VersionPool(FunctionDefinition.Latest),
        };
        foreach (var v in definition.PublishedVersions)
        {
            Pools[v] = new VersionPool(v);
        }
    }

    public FunctionDefinition Definition { get; }
    public int? Reserved { get; set; }
    public int InFlight { get; set; }
    public int MaxObservedInFlight { get; set; }
    public Dictionary<string, VersionPool> Pools { get; }
    public SortedDictionary<string, ProvisionedAllocation> Provisioned { get; } = new(StringComparer.Ordinal);

    public int ProvisionedTotal
    {
        get
        {
            var n = 0;
            foreach (var pc in Provisioned.Values)
            {
                n += pc.Requested;
            }

            return n;
        }
    }
}
