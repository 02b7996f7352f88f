using WarmKeeper.Core.KeepWarm;
using WarmKeeper.Core.Simulation;

namespace WarmKeeper.Core.Tests.Simulation;

/// <summary>A scripted action for the differential tests: at TimeMs, ping (FanOut) or set provisioned concurrency (Provisioned).</summary>
internal sealed record ScriptAction(long TimeMs, int Function, bool IsPing, int Value);

/// <summary>
/// The README's platform model written the obvious way (lists, LINQ, no lazy tricks, every step spelled out) to check the optimized simulator against. Slow; small traces only.
/// </summary>
internal static class NaivePlatformModel
{
    public sealed record Outcome(long Cold, long Warm, long Provisioned, long Throttles, long Pings, long ColdPings, long PingThrottles, double CostUsd);

    private sealed class Env
    {
        public long Busy;
        public long LastEnd;
        public long Born;
        public bool Prov;
    }

    public static Outcome Run(DemandTrace trace, IReadOnlyList<int> initialProvisioned, IReadOnlyList<ScriptAction> script, PlatformOptions options)
    {
        var functions = trace.Functions;
        var envs = functions.Select(_ => new List<Env>()).ToArray();
        var configured = new int[functions.Count];
        var pending = new List<(long Ready, int Function, int[] Count)>();
        long cold = 0, warm = 0, prov = 0, throttles = 0, pings = 0, coldPings = 0, pingThrottles = 0;
        double onDemandGbMs = 0, pcGbMs = 0, provDurGbMs = 0;
        double Gb(int f) => functions[f].MemoryMb / 1024.0;

        for (var f = 0; f < functions.Count; f++)
        {
            configured[f] = initialProvisioned[f];
            pcGbMs += configured[f] * Gb(f) * DemandTrace.HorizonMs;
            for (var i = 0; i < configured[f]; i++)
            {
                envs[f].Add(new Env { Prov = true });
            }
        }

        // The function's own environments, examined before each of its routings (the simulator's reading of the README).
        void Reap(List<Env> list, long t)
        {
            {
                foreach (var e in list.Where(e => e.Busy <= t && e.Prov && t - e.Born >= options.LifetimeMs))
                {
                    e.Born = t;
                    e.LastEnd = t;
                }

                list.RemoveAll(e => e.Busy <= t && !e.Prov && (t - e.Born >= options.LifetimeMs || t - e.LastEnd >= options.ReapMs));
            }
        }

        StartKind Route(int f, long t, long duration)
        {
            var list = envs[f];
            Reap(list, t);
            var e = list.FirstOrDefault(x => x.Prov && x.Busy <= t);
            if (e is not null)
            {
                e.Busy = e.LastEnd = t + duration;
                provDurGbMs += duration * Gb(f);
                return StartKind.Provisioned;
            }

            e = list.Where(x => !x.Prov && x.Busy <= t).MaxBy(x => x.LastEnd);
            if (e is not null)
            {
                e.Busy = e.LastEnd = t + duration;
                onDemandGbMs += duration * Gb(f);
                return StartKind.Warm;
            }

            var reserved = options.ReservedConcurrency.TryGetValue(functions[f].Name, out var r) ? r : int.MaxValue;
            var inUse = envs.Sum(l => l.Count(x => x.Prov || x.Busy > t));
            if (list.Count + 1 > reserved || inUse + 1 > options.AccountConcurrencyLimit)
            {
                return StartKind.None;
            }

            var end = t + functions[f].InitMs + duration;
            list.Add(new Env { Busy = end, LastEnd = end, Born = t });
            onDemandGbMs += (functions[f].InitMs + duration) * Gb(f);
            return StartKind.Cold;
        }

        void Apply(ScriptAction action)
        {
            var f = action.Function;
            var t = action.TimeMs;
            if (action.IsPing)
            {
                for (var i = 0; i < action.Value; i++)
                {
                    switch (Route(f, t, options.PingDurationMs))
                    {
                        case StartKind.None: pingThrottles++; break;
                        case StartKind.Cold: pings++; coldPings++; break;
                        default: pings++; break;
                    }
                }

                return;
            }

            var old = configured[f];
            var n = action.Value;
            pcGbMs += (n - old) * Gb(f) * (DemandTrace.HorizonMs - t);
            configured[f] = n;
            if (n > old)
            {
                pending.Add((t + options.ProvisioningDelayMs, f, [n - old]));
            }
            else
            {
                var surplus = old - n;
                foreach (var p in pending.Where(p => p.Function == f).Reverse())
                {
                    var c = Math.Min(surplus, p.Count[0]);
                    p.Count[0] -= c;
                    surplus -= c;
                }

                foreach (var e in envs[f].Where(e => e.Prov).Reverse().Take(surplus).ToList())
                {
                    e.Prov = false;
                }
            }
        }

        var actions = script.Where(a => a.TimeMs < DemandTrace.HorizonMs).OrderBy(a => a.TimeMs).ToList();
        var invocations = trace.Invocations.ToArray();
        int nextAction = 0, nextArrival = 0;
        while (true)
        {
            var readyAt = pending.Where(p => p.Count[0] > 0).Select(p => p.Ready).DefaultIfEmpty(long.MaxValue).Min();
            var actionAt = nextAction < actions.Count ? actions[nextAction].TimeMs : long.MaxValue;
            var arrivalAt = nextArrival < invocations.Length ? invocations[nextArrival].TimeMs : long.MaxValue;
            if (arrivalAt == long.MaxValue && actionAt == long.MaxValue)
            {
                break;
            }

            if (readyAt <= actionAt && readyAt <= arrivalAt)
            {
                foreach (var p in pending.Where(p => p.Ready == readyAt && p.Count[0] > 0))
                {
                    for (var i = 0; i < p.Count[0]; i++)
                    {
                        envs[p.Function].Add(new Env { Prov = true, Busy = readyAt, LastEnd = readyAt, Born = readyAt });
                    }

                    p.Count[0] = 0;
                }
            }
            else if (actionAt <= arrivalAt)
            {
                Apply(actions[nextAction++]);
            }
            else
            {
                var invocation = invocations[nextArrival++];
                switch (Route(invocation.FunctionIndex, invocation.TimeMs, invocation.DurationMs))
                {
                    case StartKind.None: throttles++; break;
                    case StartKind.Cold: cold++; break;
                    case StartKind.Provisioned: warm++; prov++; break;
                    default: warm++; break;
                }
            }
        }

        var prices = options.Prices;
        var cost = ((cold + warm + pings) * prices.PerMillionRequests / 1e6)
            + (onDemandGbMs / 1000 * prices.OnDemandPerGbSecond)
            + (pcGbMs / 1000 * prices.ProvisionedConcurrencyPerGbSecond)
            + (provDurGbMs / 1000 * prices.ProvisionedDurationPerGbSecond);
        return new Outcome(cold, warm, prov, throttles, pings, coldPings, pingThrottles, cost);
    }
}
