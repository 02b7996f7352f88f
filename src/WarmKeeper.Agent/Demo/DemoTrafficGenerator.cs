using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using WarmKeeper.Agent.Events;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Agent.Hosting;
using WarmKeeper.Agent.Scaling;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Agent.Warmup;
using WarmKeeper.Core.Scaling;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Lambda;
using WarmKeeper.Core.Targets;

namespace WarmKeeper.Agent.Demo;

/// <summary>
/// Invokes the local demo functions at a daily-shaped rate (compressed in time) with occasional
/// bursts, Poisson arrivals, through the Lambda API like any client.
/// </summary>
public sealed partial class DemoTrafficGenerator(
    IOptions<DemoOptions> options,
    IOptions<AgentOptions> agentOptions,
    ILambdaTargets targets,
    WarmupPolicyStore warmupPolicies,
    WarmupScheduler scheduler,
    ConcurrencyPolicyStore concurrencyPolicies,
    EventLog events,
    TimeProvider timeProvider,
    ILogger<DemoTrafficGenerator> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private static readonly byte[] Payload = """{"source":"warmkeeper-demo"}"""u8.ToArray();

    /// <summary>Whether the demo runs with this configuration.</summary>
    public bool IsEnabled =>
        options.Value.Enabled ?? (agentOptions.Value.Targets.Count == 0 && targets.Names.Contains(TargetNames.Local));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!IsEnabled || !targets.TryGet(TargetNames.Local, out var lambda))
        {
            return;
        }

        var demo = options.Value;
        if (demo.SeedPolicies)
        {
            await SeedAsync(stoppingToken);
        }

        LogStarted(demo.DayLength, string.Join(", ", demo.PeakRates.Keys));
        using var gate = new SemaphoreSlim(demo.MaxInFlight);
        var random = new Random();
        var started = timeProvider.GetTimestamp();
        var burstUntil = new Dictionary<string, long>(StringComparer.Ordinal);
        using var timer = new PeriodicTimer(Tick, timeProvider);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var elapsed = timeProvider.GetElapsedTime(started);
            var now = timeProvider.GetTimestamp();
            foreach (var (name, peak) in demo.PeakRates)
            {
                var rate = peak * DailyShape(elapsed, demo.DayLength);
                if (random.NextDouble() < demo.BurstChancePerSecond * Tick.TotalSeconds)
                {
                    burstUntil[name] = now + (long)(timeProvider.TimestampFrequency * (2 + (random.NextDouble() * 4)));
                }

                if (burstUntil.TryGetValue(name, out var until) && now < until)
                {
                    rate *= 5;
                }

                var arrivals = Poisson(rate * Tick.TotalSeconds, random);
                for (var i = 0; i < arrivals && gate.Wait(0, CancellationToken.None); i++)
                {
                    _ = InvokeAsync(lambda, name, gate, stoppingToken);
                }
            }
        }
    }

    /// <summary>A day whose floor is half its peak, peaking mid-"day" (as production traffic does).</summary>
    internal static double DailyShape(TimeSpan elapsed, TimeSpan dayLength)
    {
        var phase = (elapsed.TotalSeconds % dayLength.TotalSeconds) / dayLength.TotalSeconds;
        return 0.75 - (0.25 * Math.Cos(2 * Math.PI * phase));
    }

    private static int Poisson(double mean, Random random)
    {
        // Knuth's method; the means here are small (rate × 0.1 s).
        var limit = Math.Exp(-mean);
        var k = 0;
        var p = random.NextDouble();
        while (p > limit && k < 1000)
        {
            k++;
            p *= random.NextDouble();
        }

        return k;
    }

    private static async Task InvokeAsync(ILambdaControlPlane lambda, string name, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        try
        {
            var colon = name.IndexOf(':', StringComparison.Ordinal);
            await lambda.InvokeAsync(
                new InvokeRequest
                {
                    FunctionName = colon < 0 ? name : name[..colon],
                    Qualifier = colon < 0 ? null : name[(colon + 1)..],
                    Payload = Payload,
                    RetryIfNotRun = false,
                },
                cancellationToken);
        }
        catch (Exception e) when (e is LambdaServiceException or HttpRequestException or TimeoutException or OperationCanceledException)
        {
            // Throttles and shutdown are part of the show, not errors of the demo.
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        if ((await warmupPolicies.ListAsync(cancellationToken)).Count == 0)
        {
            var warmup = new WarmupPolicy
            {
                Id = "demo-report", Target = TargetNames.Local, Function = "report", Schedule = "* * * * *", FanOut = 3, HoldMs = 200,
            };
            if ((await warmupPolicies.CreateAsync(warmup, cancellationToken)).Outcome == StoreOutcome.Done)
            {
                scheduler.Apply(warmup);
                scheduler.RunSoon(warmup.Id, WarmupTriggers.Created);
                await RecordSeedAsync("warm-up policy demo-report (report, every minute, fan-out 3)", warmup.Function, null, cancellationToken);
            }
        }

        if ((await concurrencyPolicies.ListAsync(cancellationToken)).Count == 0)
        {
            var scaling = new ConcurrencyPolicy
            {
                Id = "demo-orders", Target = TargetNames.Local, Function = "orders", Qualifier = "live", Min = 1, Max = 20,
                ScaleInDelay = TimeSpan.FromMinutes(2),
            };
            if ((await concurrencyPolicies.CreateAsync(scaling, cancellationToken)).Outcome == StoreOutcome.Done)
            {
                await RecordSeedAsync("concurrency policy demo-orders (orders:live, 1 to 20, target tracking and burst)", scaling.Function, scaling.Qualifier, cancellationToken);
            }
        }
    }

    private Task<AgentEvent> RecordSeedAsync(string what, string function, string? qualifier, CancellationToken cancellationToken) =>
        events.AppendAsync(
            new NewEvent(EventKinds.ConfigurationChange, "demo", $"Demo seeded a {what}.", new JsonObject { ["resource"] = "demo", ["change"] = "created" },
                TargetNames.Local, function, qualifier),
            cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo traffic on: a compressed day lasts {DayLength}; functions {Functions}. Turn it off with WarmKeeper:Demo:Enabled=false")]
    private partial void LogStarted(TimeSpan dayLength, string functions);
}
