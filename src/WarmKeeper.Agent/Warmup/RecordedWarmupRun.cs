using WarmKeeper.Core.Warmup;

namespace WarmKeeper.Agent.Warmup;

/// <summary>A run and the event it was recorded as: a report, or the failure that stopped it.</summary>
public sealed record RecordedWarmupRun(long EventId, string Kind, string Summary, WarmupRunReport? Report, WarmupRunFailure? Failure);

/// <summary>What <c>POST /api/v1/warmup-policies/{id}/run</c> answers: the run's event, its data typed by its kind.</summary>
/// <typeparam name="TData"><see cref="WarmupRunReport"/> for <c>warmup.run</c>, <see cref="WarmupRunFailure"/> for <c>warmup.run.failed</c>.</typeparam>
public sealed record WarmupRunAnswer<TData>(long EventId, string Kind, string Summary, TData Data);
