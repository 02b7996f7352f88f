using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Agent.Events;
using WarmKeeper.Agent.Scaling;
using WarmKeeper.Agent.Targets;
using WarmKeeper.Core.Demand;
using WarmKeeper.Core.Scaling;
using WarmKeeper.Lambda;
using WarmKeeper.Testing;

namespace WarmKeeper.Agent.Tests.Scaling;

/// <summary>
/// One reconcile tick against an in-memory control plane: several policies at once within the
/// configured bound, and every change it makes recorded, in batches, even when the agent stops mid-tick.
/// </summary>
public sealed class ReconcilerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private sealed record Agent(ProvisionedConcurrencyReconciler Reconciler, EventLog Events, FakeControlPlane Plane, string[] PolicyIds)
    {
        public async Task<IReadOnlyList<AgentEvent>> DecisionsAsync() =>
            await Events.QueryAsync(new EventQuery(Kind: EventKinds.ScalingDecision, Limit: EventLog.MaxPageSize), CancellationToken.None);
    }

    /// <summary><paramref name="policies"/> policies of a floor of 2 on functions with no provisioned concurrency yet: each first tick changes all of them.</summary>
    private static async Task<Agent> AgentAsync(int policies, int concurrency)
    {
        var time = new FakeTimeProvider(Start);
        var contexts = TestDatabase.Create("reconcile");
        var store = new ConcurrencyPolicyStore(contexts, time);
        var ids = new string[policies];
        for (var i = 0; i < policies; i++)
        {
            ids[i] = $"p{i:D3}";
            var created = await store.CreateAsync(new ConcurrencyPolicy { Id = ids[i], Target = "fake", Function = $"f{i:D3}", Qualifier = "live", Min = 2, Max = 10 }, CancellationToken.None);
            Assert.Equal(WarmKeeper.Agent.Persistence.StoreOutcome.Done, created.Outcome);
        }

        var plane = new FakeControlPlane("fake", accountConcurrency: 1000);
        var events = new EventLog(contexts, time);
        var reconciler = new ProvisionedConcurrencyReconciler(
            store, new FakeTargets(plane), new DemandRecorder(time), events, contexts, time,
            Options.Create(new ScalingOptions { Concurrency = concurrency }), NullLogger<ProvisionedConcurrencyReconciler>.Instance);
        return new Agent(reconciler, events, plane, ids);
    }

    [Fact]
    public async Task Every_change_of_a_tick_is_recorded_once_and_outcomes_keep_the_policies_order()
    {
        var agent = await AgentAsync(policies: 450, concurrency: 4); // more than two batches of events

        var outcomes = await agent.Reconciler.ReconcileOnceAsync(CancellationToken.None);

        Assert.Equal(agent.PolicyIds, outcomes.Select(o => o.PolicyId));
        Assert.All(outcomes, o => Assert.True(o.Applied && o.Decision!.Desired == 2, o.Error ?? o.Skipped));
        var decisions = await agent.DecisionsAsync();
        Assert.Equal(agent.PolicyIds, decisions.Select(e => e.PolicyId!).Order(StringComparer.Ordinal));
        Assert.All(decisions, e =>
        {
            Assert.Equal(Start, e.Time);
            Assert.True(e.Data["applied"]!.GetValue<bool>());
            Assert.Equal(2, e.Data["desired"]!.GetValue<int>());
            Assert.StartsWith("0 → 2: ", e.Data["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        });

        // Nothing left to change: no new event.
        outcomes = await agent.Reconciler.ReconcileOnceAsync(CancellationToken.None);
        Assert.All(outcomes, o => Assert.False(o.Decision!.Changes));
        Assert.Equal(decisions.Count, (await agent.DecisionsAsync()).Count);
    }

    [Fact]
    public async Task Changes_sent_while_the_agent_stops_are_still_recorded()
    {
        var agent = await AgentAsync(policies: 12, concurrency: 4);
        var putsStarted = 0;
        var fourPutsStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.Plane.Delay = async operation =>
        {
            if (operation == "PutProvisionedConcurrencyConfig")
            {
                if (Interlocked.Increment(ref putsStarted) == 4)
                {
                    fourPutsStarted.SetResult();
                }

                await release.Task;
            }
        };
        using var stopping = new CancellationTokenSource();

        var tick = agent.Reconciler.ReconcileOnceAsync(stopping.Token);
        await fourPutsStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await stopping.CancelAsync();
        release.SetResult();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tick);

        // Every put that reached the target has its event; none other does.
        var decisions = await agent.DecisionsAsync();
        Assert.Equal(4, putsStarted);
        Assert.Equal(4, decisions.Count);
        Assert.All(decisions, e => Assert.True(e.Data["applied"]!.GetValue<bool>()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Policies_are_reconciled_at_once_up_to_the_configured_concurrency_and_the_account_is_read_once(int concurrency)
    {
        var agent = await AgentAsync(policies: 12, concurrency);
        await agent.Reconciler.ReconcileOnceAsync(CancellationToken.None); // the first tick's changes
        var inFlight = 0;
        var most = 0;
        var accountReads = 0;
        var full = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        agent.Plane.Delay = async operation =>
        {
            if (operation == "GetAccountSettings")
            {
                Interlocked.Increment(ref accountReads);
            }

            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            if (now >= concurrency)
            {
                full.TrySetResult();
            }

            // Held until as many calls as allowed are in flight at once (a bound never reached only costs the wait).
            await full.Task.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
            Interlocked.Decrement(ref inFlight);
        };

        var outcomes = await agent.Reconciler.ReconcileOnceAsync(CancellationToken.None);

        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.Equal(concurrency, most);
        Assert.Equal(1, accountReads);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }
}
