using Microsoft.Extensions.Options;
using WarmKeeper.Agent.Hosting;
using WarmKeeper.Lambda;
using WarmKeeper.LocalRuntime;
using WarmKeeper.LocalRuntime.Engine;
using WarmKeeper.LocalRuntime.Hosting;
using WarmKeeper.Core.Targets;

namespace WarmKeeper.Agent.Targets;

/// <summary>
/// The configured targets (from DI, one control plane each) plus <c>local</c>, whose control plane
/// is made on first use because the local runtime's address is only known once it listens; and, for
/// the proxy, <c>local</c> in process (the engine itself, no wire).
/// </summary>
internal sealed class LambdaTargets : ILambdaTargets, IInFlightGauge, IDisposable
{
    private readonly ILambdaControlPlanes _configured;
    private readonly LocalRuntimeHost? _localRuntime;
    private readonly LocalRuntimeOptions _localOptions;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly Lock _gate = new();
    private readonly FaultInjectionOptions _faults;
    private readonly InProcessLambdaControlPlane? _inProcess;
    private LambdaControlPlane? _local;

    public LambdaTargets(
        ILambdaControlPlanes configured,
        IOptions<LocalRuntimeOptions> localOptions,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        IOptions<FaultInjectionOptions> faults,
        LocalRuntimeHost? localRuntime = null)
    {
        _faults = faults.Value;
        _configured = configured;
        _localRuntime = localRuntime;
        _localOptions = localOptions.Value;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
        _inProcess = localRuntime is null ? null : new InProcessLambdaControlPlane(localRuntime.Engine, TargetNames.Local);
        Names = (_localOptions.Enabled ? new[] { TargetNames.Local } : []).Concat(configured.TargetNames).ToArray();
    }

    public IReadOnlyCollection<string> Names { get; }

    public bool TryGet(string name, out ILambdaControlPlane controlPlane)
    {
        if (name == TargetNames.Local && _localOptions.Enabled)
        {
            controlPlane = LocalControlPlane();
            return true;
        }

        if (_configured.TargetNames.Contains(name, StringComparer.Ordinal))
        {
            controlPlane = _configured.Get(name);
            return true;
        }

        controlPlane = null!;
        return false;
    }

    public bool TryGetInProcess(string name, out ILambdaControlPlane controlPlane)
    {
        controlPlane = _inProcess!;
        return name == TargetNames.Local && _localOptions.Enabled && _inProcess is not null;
    }

    // The built-in runtime's engine was built with the agent's observers.
    public bool ReportsOwnInvocations(string name) => name == TargetNames.Local && _localRuntime is not null;

    public int? InFlight(string target, string function)
    {
        if (target != TargetNames.Local || _localRuntime is null)
        {
            return null;
        }

        var engine = _localRuntime.Engine;

        return engine.Functions.Any(f => f.Name == function) ? engine.GetInFlight(function) : null;
    }

    public void Dispose() => _local?.Dispose();

    private LambdaControlPlane LocalControlPlane()
    {
        lock (_gate)
        {
            if (_local is not null)
            {
                return _local;
            }

            var address = _localRuntime?.BaseAddress
                          ?? throw new InvalidOperationException("The local runtime is not listening yet.");
            var credentials = _localOptions.Credentials;
            var signed = !string.IsNullOrEmpty(credentials?.AccessKeyId) && !string.IsNullOrEmpty(credentials?.SecretAccessKey);
            var options = new LambdaTargetOptions
                {
                    Name = TargetNames.Local,
                    Region = _localOptions.Region,
                    ServiceUrl = address.ToString(),
                    Anonymous = !signed,
                    AccessKeyId = signed ? credentials!.AccessKeyId : null,
                    SecretAccessKey = signed ? credentials!.SecretAccessKey : null,
                };
            _local = LambdaControlPlane.Create(
                options,
                _timeProvider,
                _loggerFactory,
                handler: _faults.Enabled ? new FaultInjectionHandler(_faults, LambdaControlPlane.CreatePrimaryHandler(options)) : null);
            return _local;
        }
    }
}
