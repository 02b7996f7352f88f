using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Warmup;

namespace WarmKeeper.Core.Simulation.Adapters;

/// <summary>
/// An <see cref="IWarmupPinger"/> that pings the simulated platform: each ping is one routing at the current
/// simulated instant, holding its environment for the ping duration, so the pings of one round land on distinct
/// environments exactly as concurrent pings do on the cloud. It completes synchronously.
/// </summary>
/// <remarks>
/// Like a real ping, the outcome it returns says only whether the ping was accepted: whether it was cold is
/// learned when it completes (a <see cref="ObservationKind.PingCompleted"/> observation), and the simulated platform
/// reports no environment ids, so the planner's top-up verification has nothing to count and never fires.
/// </remarks>
internal sealed class SimulatedWarmupPinger : IWarmupPinger
{
    private readonly SimulatedKeepWarmContext _context;
    private readonly Dictionary<string, int> _indexByName;

    /// <summary>Creates the pinger for one run.</summary>
    public SimulatedWarmupPinger(SimulatedKeepWarmContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _indexByName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < context.Functions.Count; i++)
        {
            _indexByName[context.Functions[i].Name] = i;
        }
    }

    /// <inheritdoc />
    public Task<PingOutcome> PingAsync(PingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_indexByName.TryGetValue(request.Function, out var function))
        {
            return Task.FromResult(new PingOutcome(request.Index, false, null, null, TimeSpan.Zero, $"Function not found: {request.Function}"));
        }

        var accepted = _context.PingOne(function);
        return Task.FromResult(accepted
            ? new PingOutcome(request.Index, true, null, null, TimeSpan.Zero, null)
            : new PingOutcome(request.Index, false, null, null, TimeSpan.Zero, "TooManyRequestsException", Throttled: true));
    }
}
