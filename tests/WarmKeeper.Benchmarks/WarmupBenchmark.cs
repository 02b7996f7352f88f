using System.Diagnostics;
using Hangfire;
using Hangfire.InMemory;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using WarmKeeper.Agent.Persistence;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Agent.Warmup;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Warmup;
using WarmKeeper.Lambda;
using WarmKeeper.Testing;

namespace WarmKeeper.Benchmarks;

/// <summary>
/// Issue 3, through the real agent: (1) a fan-out of 1,000 pings run by the agent's warm-up job
/// (headroom, <see cref="WarmupRun"/>, the agent's pinger over the Lambda client to the built-in
/// runtime, the run's event) against 1,000 plain concurrent invokes of the same function through
/// the same client; (2) 10,000 stored policies: the scheduler's rebuild at start and the memory
/// each schedule holds.
/// </summary>
internal static class WarmupBenchmark
{
    private const int FanOut = 1000;
    private const int FanOutRounds = 9;
    private const int PolicyCount = 10_000;
    private const int RestartRounds = 3;
    private const int ProcessStartRounds = 3;
    private const int RebuildRounds = 5;

    public static async Task RunAsync(CancellationToken cancellationToken)
    {
        var withPolicies = Directory.CreateTempSubdirectory("warmkeeper-bench-").FullName;
        var empty = Directory.CreateTempSubdirectory("warmkeeper-bench-empty-").FullName;
        try
        {
            // The account must have room for the whole fan-out above its unreserved floor.
            string[] roomy = ["--WarmKeeper:LocalRuntime:AccountConcurrency=2000"];
            await using (var agent = await AgentHost.StartAsync(withPolicies, null, roomy, cancellationToken))
            {
                await FanOutAsync(agent, cancellationToken);
                await InsertPoliciesAsync(agent, cancellationToken);
            }

            await RestartAsync(withPolicies, empty, cancellationToken);
        }
        finally
        {
            TryDelete(withPolicies);
            TryDelete(empty);
        }
    }

    private static async Task FanOutAsync(AgentHost agent, CancellationToken cancellationToken)
    {
        var job = agent.Services.GetRequiredService<WarmupJob>();
        if (!agent.Services.GetRequiredService<ILambdaTargets>().TryGet("local", out var lambda))
        {
            throw new InvalidOperationException("The agent has no local target.");
        }

        // Hold 0 and no verification: both sides send exactly 1,000 invokes that the function
        // answers at once, so the difference is what WarmKeeper adds around them.
        var policy = new WarmupPolicy
        {
            Id = "bench-fan-out", Target = "local", Function = "hello", Schedule = "0 0 1 1 *",
            FanOut = FanOut, HoldMs = 0, Verify = false, Enabled = false,
        };
        var payloads = Enumerable.Range(0, FanOut).Select(i => WarmupPings.Build(policy, "plain", i, FanOut)).ToArray();

        async Task<string?> WarmupAsync()
        {
            var report = (await job.RunAsync(policy, WarmupTriggers.Manual, cancellationToken)).Report
                         ?? throw new InvalidOperationException("The warm-up run failed; see the agent's events.");
            return report.Sent == FanOut && report.Errors == 0 ? null : $"warm-up sent {report.Sent}, {report.Errors} errors ({string.Join("; ", report.ErrorSamples)})";
        }

        // The planner and the pinger without the job's I/O around them (headroom read, event write).
        var run = new WarmupRun(new LambdaWarmupPinger(agent.Services.GetRequiredService<ILambdaTargets>(), TimeProvider.System,
            agent.Services.GetRequiredService<AgentPingProof>(), agent.Services.GetRequiredService<SentPings>()), TimeProvider.System);
        var room = new Headroom(null, 1900, 0);
        async Task<string?> RunAloneAsync()
        {
            var report = await run.ExecuteAsync(policy, room, cancellationToken);
            return report.Sent == FanOut && report.Errors == 0 ? null : $"WarmupRun sent {report.Sent}, {report.Errors} errors";
        }

        async Task<string?> PlainAsync()
        {
            var calls = payloads.Select(p => lambda.InvokeAsync(
                new InvokeRequest { FunctionName = "hello", Payload = p, TailLog = true, RetryIfNotRun = false }, cancellationToken));
            var results = await Task.WhenAll(calls);
            var failed = results.Count(r => r.IsFunctionError);
            return failed == 0 ? null : $"{failed} plain invokes failed";
        }

        // Untimed: creates the environments both sides then reuse, and compiles both paths.
        await WarmupAsync();
        await RunAloneAsync();
        await PlainAsync();

        var warmup = new List<(double Wall, double Cpu)>();
        var alone = new List<(double Wall, double Cpu)>();
        var plain = new List<(double Wall, double Cpu)>();
        for (var round = 0; round < FanOutRounds; round++)
        {
            warmup.Add(await MeasureAsync(WarmupAsync));
            alone.Add(await MeasureAsync(RunAloneAsync));
            plain.Add(await MeasureAsync(PlainAsync));
        }

        var wallA = Report.Median(alone.Select(m => m.Wall));
        var cpuA = Report.Median(alone.Select(m => m.Cpu));

        var wallW = Report.Median(warmup.Select(m => m.Wall));
        var wallP = Report.Median(plain.Select(m => m.Wall));
        var cpuW = Report.Median(warmup.Select(m => m.Cpu));
        var cpuP = Report.Median(plain.Select(m => m.Cpu));

        // For information: the shipped defaults (hold 150 ms, verification with top-ups) on the same
        // function, whose environments the rounds above left warm.
        var defaults = policy with { Id = "bench-defaults", HoldMs = WarmupDefaults.HoldMs, Verify = true };
        var started = Stopwatch.GetTimestamp();
        var verified = (await job.RunAsync(defaults, WarmupTriggers.Manual, cancellationToken)).Report;
        var verifiedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

        await Report.LineAsync($"### Fan-out of {FanOut:N0} pings against `hello` on the built-in runtime\n\nWarm-up: the agent's `WarmupJob.RunAsync` (headroom read, `WarmupRun`, the agent's pinger over the Lambda client, the run's event). Plain: {FanOut:N0} concurrent `InvokeAsync` of the same payloads through the same client, no planner. CPU is `Process.TotalProcessorTime` of the whole benchmark process, which also hosts the runtime that answers: the difference is WarmKeeper's. `WarmupRun` alone: the planner and the agent's pinger with a fixed headroom, without the job's headroom read and event write. Hold 0, no verification; median of {FanOutRounds} alternating rounds.\n", cancellationToken);
        await Report.TableAsync(
            ["measure", "plain invokes", "warm-up job", "job ÷ plain", "difference per ping", "`WarmupRun` alone", "run alone ÷ plain"],
            [
                ["wall time", Report.Ms(wallP), Report.Ms(wallW), Report.Ratio(wallW / wallP), Report.Ms((wallW - wallP) / FanOut), Report.Ms(wallA), Report.Ratio(wallA / wallP)],
                ["CPU time", Report.Ms(cpuP), Report.Ms(cpuW), Report.Ratio(cpuW / cpuP), Report.Ms((cpuW - cpuP) / FanOut), Report.Ms(cpuA), Report.Ratio(cpuA / cpuP)],
            ],
            cancellationToken);
        await Report.LineAsync(
            verified is null
                ? "The run with the shipped defaults failed."
                : $"With the shipped defaults (hold {WarmupDefaults.HoldMs} ms, verification), after the rounds above: {verified.Sent:N0} pings sent for {verified.Requested:N0}, {verified.DistinctEnvironments:N0} distinct environments reached, {verified.Cold:N0} cold, {verified.Errors} errors, {Report.Ms(verifiedMs)}.\n",
            cancellationToken);
    }

    private static async Task<(double Wall, double Cpu)> MeasureAsync(Func<Task<string?>> run)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var cpu = CpuTime();
        var started = Stopwatch.GetTimestamp();
        var problem = await run();
        var wall = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var used = (CpuTime() - cpu).TotalMilliseconds;
        return problem is null ? (wall, used) : throw new InvalidOperationException(problem);
    }

    private static TimeSpan CpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static async Task InsertPoliciesAsync(AgentHost agent, CancellationToken cancellationToken)
    {
        var contexts = agent.Services.GetRequiredService<IDbContextFactory<WarmKeeperDbContext>>();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < PolicyCount; i++)
        {
            // Daily between 00:00 and 05:59 UTC, some on weekdays only: nothing fires while measured.
            var schedule = $"{i % 60} {i / 60 % 6} * * {(i % 7 == 0 ? "1-5" : "*")}";
            db.WarmupPolicies.Add(new WarmupPolicyRow
            {
                Id = $"policy-{i:D5}",
                Target = "local",
                Function = "hello",
                Schedule = schedule,
                TimeZone = "UTC",
                FanOut = 1 + (i % 10),
                PayloadFormat = nameof(WarmupPayloadFormat.WarmKeeper),
                HoldMs = WarmupDefaults.HoldMs,
                Enabled = true,
                Verify = true,
                Revision = 1,
                CreatedUnixMs = now,
                UpdatedUnixMs = now,
            });
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private static async Task RestartAsync(string withPolicies, string empty, CancellationToken cancellationToken)
    {
        // What an operator sees: the `warmkeeper` executable started in a new process (so it pays
        // for JIT too) until its listener answers /healthz/live, which Kestrel opens only after
        // every hosted service, the scheduler's rebuild included, has started.
        var processFull = new List<double>();
        var processNone = new List<double>();
        for (var round = 0; round < ProcessStartRounds; round++)
        {
            processFull.Add(await AgentProcess.TimeStartAsync(withPolicies, cancellationToken));
            processNone.Add(await AgentProcess.TimeStartAsync(empty, cancellationToken));
        }

        // A whole agent start (migrations check, runtime listener, Hangfire server, schedule rebuild)
        // over 10,000 stored policies against the same start over none. The first start of each
        // kind compiles its paths and is not counted.
        var full = new List<double>();
        var none = new List<double>();
        for (var round = 0; round <= RestartRounds; round++)
        {
            var withTime = await TimeStartAsync(withPolicies, cancellationToken);
            var emptyTime = await TimeStartAsync(empty, cancellationToken);
            if (round > 0)
            {
                full.Add(withTime);
                none.Add(emptyTime);
            }
        }

        await using var agent = await AgentHost.StartAsync(withPolicies, null, [], cancellationToken);
        var store = agent.Services.GetRequiredService<WarmupPolicyStore>();
        var stored = (await store.ListAsync(cancellationToken)).Count;
        if (stored != PolicyCount)
        {
            throw new InvalidOperationException($"Expected {PolicyCount} stored policies, found {stored}.");
        }

        // The rebuild alone, exactly as at start (the store's list, then one recurring job per
        // policy), into fresh in-memory Hangfire storage each round, against the store's list alone.
        var rebuild = new List<double>();
        var list = new List<double>();
        var inAgent = new List<double>();
        var agentScheduler = agent.Services.GetRequiredService<WarmupScheduler>();
        var agentJobs = agent.Services.GetRequiredService<IRecurringJobManager>();
        var agentStorage = agent.Services.GetRequiredService<JobStorage>();
        for (var round = 0; round <= RebuildRounds; round++)
        {
            // The agent's own scheduler into its own storage, with its Hangfire server running, as
            // at start: emptied first (untimed), since the in-memory storage starts empty.
            for (var i = 0; i < PolicyCount; i++)
            {
                agentJobs.RemoveIfExists(WarmupScheduler.JobId($"policy-{i:D5}"));
            }

            CheckScheduled(agentStorage, 0);
            GC.Collect();
            var inAgentStarted = Stopwatch.GetTimestamp();
            await agentScheduler.StartAsync(cancellationToken);
            var inAgentMs = Stopwatch.GetElapsedTime(inAgentStarted).TotalMilliseconds;
            CheckScheduled(agentStorage, PolicyCount);

            var storage = new InMemoryStorage(new InMemoryStorageOptions { MaxExpirationTime = TimeSpan.FromHours(1) });
            var scheduler = new WarmupScheduler(store, new RecurringJobManager(storage), new BackgroundJobClient(storage), NullLogger<WarmupScheduler>.Instance);
            GC.Collect();
            var started = Stopwatch.GetTimestamp();
            await scheduler.StartAsync(cancellationToken);
            var rebuildMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            CheckScheduled(storage, PolicyCount);
            storage.Dispose();

            GC.Collect();
            started = Stopwatch.GetTimestamp();
            var listed = await store.ListAsync(cancellationToken);
            var listMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            GC.KeepAlive(listed);
            if (round > 0)
            {
                rebuild.Add(rebuildMs);
                list.Add(listMs);
                inAgent.Add(inAgentMs);
            }
        }

        var (managedPerPolicy, workingSetPerPolicy) = await MemoryPerScheduleAsync(store, cancellationToken);

        var processFullMs = Report.Median(processFull);
        var processNoneMs = Report.Median(processNone);
        var fullMs = Report.Median(full);
        var noneMs = Report.Median(none);
        var rebuildMs2 = Report.Median(rebuild);
        var inAgentMs2 = Report.Median(inAgent);
        var listMs2 = Report.Median(list);
        await Report.LineAsync($"### {PolicyCount:N0} warm-up policies: schedules rebuilt at start\n\nAgent start on a data directory holding {PolicyCount:N0} policies against one holding none: the `warmkeeper` executable in a new process until `/healthz/live` answers (median of {ProcessStartRounds} alternating), and `AgentApplication.Build` + `StartAsync` in this process (median of {RestartRounds} alternating after one uncounted pair). Rebuild: `WarmupScheduler.StartAsync` (the store's list + one Hangfire recurring job per policy), once into fresh in-memory storage with no server, once by the running agent's own scheduler into its emptied storage, against the store's list alone (median of {RebuildRounds} alternating rounds after one uncounted). Memory: managed heap (after a full collection) and working set with the 10,000 schedules held in fresh storage, against the same before.\n", cancellationToken);
        await Report.TableAsync(
            ["measure", "baseline", "with 10,000 policies", "ratio", "per policy"],
            [
                ["agent start, new process, until /healthz/live answers", Report.Ms(processNoneMs), Report.Ms(processFullMs), Report.Ratio(processFullMs / processNoneMs), Report.Ms((processFullMs - processNoneMs) / PolicyCount)],
                ["agent start, in this process (JIT warm)", Report.Ms(noneMs), Report.Ms(fullMs), Report.Ratio(fullMs / noneMs), Report.Ms((fullMs - noneMs) / PolicyCount)],
                ["rebuild into fresh storage, no Hangfire server (store list alone → list + schedules)", Report.Ms(listMs2), Report.Ms(rebuildMs2), Report.Ratio(rebuildMs2 / listMs2), Report.Ms(rebuildMs2 / PolicyCount)],
                ["rebuild by the agent's scheduler into its storage, its Hangfire server running", Report.Ms(listMs2), Report.Ms(inAgentMs2), Report.Ratio(inAgentMs2 / listMs2), Report.Ms(inAgentMs2 / PolicyCount)],
                ["memory held by the schedules (managed heap)", "", Report.Bytes(managedPerPolicy * PolicyCount), "", Report.Bytes(managedPerPolicy)],
                ["memory held by the schedules (working set)", "", Report.Bytes(workingSetPerPolicy * PolicyCount), "", Report.Bytes(workingSetPerPolicy)],
            ],
            cancellationToken);
    }

    private static void CheckScheduled(JobStorage storage, int expected)
    {
        using var connection = storage.GetConnection();
        var scheduled = connection.GetAllItemsFromSet("recurring-jobs").Count;
        if (scheduled != expected)
        {
            throw new InvalidOperationException($"Hangfire holds {scheduled} recurring jobs; {expected} expected.");
        }
    }

    private static async Task<double> TimeStartAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var agent = await AgentHost.StartAsync(dataDirectory, null, [], cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        await agent.DisposeAsync();
        return elapsed;
    }

    /// <summary>Heap and working set with the 10,000 schedules held, against the same without them, per policy.</summary>
    private static async Task<(double Managed, double WorkingSet)> MemoryPerScheduleAsync(WarmupPolicyStore store, CancellationToken cancellationToken)
    {
        var (heapBefore, setBefore) = Settle();
        var storage = new InMemoryStorage(new InMemoryStorageOptions { MaxExpirationTime = TimeSpan.FromHours(1) });
        var scheduler = new WarmupScheduler(store, new RecurringJobManager(storage), new BackgroundJobClient(storage), NullLogger<WarmupScheduler>.Instance);
        await scheduler.StartAsync(cancellationToken);
        var (heapAfter, setAfter) = Settle();
        GC.KeepAlive(scheduler);
        storage.Dispose();
        return ((heapAfter - heapBefore) / (double)PolicyCount, (setAfter - setBefore) / (double)PolicyCount);
    }

    private static (long Heap, long WorkingSet) Settle()
    {
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var self = Process.GetCurrentProcess();
        return (heap, self.WorkingSet64);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment; a temp directory left behind is harmless.
        }
    }
}
