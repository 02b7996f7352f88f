using WarmKeeper.Core.KeepWarm;

namespace WarmKeeper.Core.Simulation;

// The run's counts and cost, per function and in total, priced from the MB-ms each kind of use accumulated.
internal sealed partial class PlatformRun
{
    private SimulationResult BuildResult(string policyName)
    {
        var prices = _options.Prices;
        var perFunction = new FunctionResult[_functions.Length];
        long invocations = 0, cold = 0, warm = 0, provisionedStarts = 0, throttles = 0, pings = 0, coldPings = 0, pingThrottles = 0;
        long onDemandMbMs = 0, pcMbMs = 0, pcDurationMbMs = 0;
        for (var i = 0; i < _functions.Length; i++)
        {
            var state = _functions[i];
            var counts = state.Counts();
            perFunction[i] = new FunctionResult(_trace.Functions[i].Name, counts, Cost(prices, state.Runs + state.Pings, state.OnDemandDurationMbMs, state.ProvisionedConcurrencyMbMs, state.ProvisionedDurationMbMs), state.PeakEnvironments);
            invocations += counts.Invocations;
            cold += counts.ColdStarts;
            warm += counts.WarmStarts;
            provisionedStarts += counts.ProvisionedStarts;
            throttles += counts.Throttles;
            pings += counts.Pings;
            coldPings += counts.ColdPings;
            pingThrottles += counts.PingThrottles;
            onDemandMbMs += state.OnDemandDurationMbMs;
            pcMbMs += state.ProvisionedConcurrencyMbMs;
            pcDurationMbMs += state.ProvisionedDurationMbMs;
        }

        var total = new SimulationCounts(invocations, cold, warm, provisionedStarts, throttles, pings, coldPings, pingThrottles);
        var cost = Cost(prices, cold + warm + pings, onDemandMbMs, pcMbMs, pcDurationMbMs);
        return new SimulationResult(_trace.Name, policyName, _reapMs, total, cost, perFunction, _decisions);
    }

    private static CostBreakdown Cost(PlatformPrices prices, long requests, long onDemandMbMs, long pcMbMs, long pcDurationMbMs)
    {
        // MB-ms to GB-s: divide by 1024 (MB per GB) and 1000 (ms per s).
        const double GbSecondsPerMbMs = 1.0 / (1024.0 * 1000.0);
        return new CostBreakdown(
            requests * prices.PerMillionRequests / 1_000_000.0,
            onDemandMbMs * GbSecondsPerMbMs * prices.OnDemandPerGbSecond,
            pcMbMs * GbSecondsPerMbMs * prices.ProvisionedConcurrencyPerGbSecond,
            pcDurationMbMs * GbSecondsPerMbMs * prices.ProvisionedDurationPerGbSecond);
    }
}
