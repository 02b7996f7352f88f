namespace WarmKeeper.Core.Simulation;

/// <summary>
/// The goal a warm-keeping policy is held to on one trace at one REAP: no more user-visible cold starts than any
/// reference that does not know the future (<see cref="Fair"/>), strictly fewer than each of them that has any, at no
/// more cost than the oracle that knows every function's peak (<see cref="Oracle"/>).
/// </summary>
public static class AdaptiveGoal
{
    /// <summary>The references that do not know the future.</summary>
    public static IReadOnlyList<string> Fair { get; } = ["none", "ping-5min", "aas-tt-0.7"];

    /// <summary>The oracle whose cost bounds the candidate's.</summary>
    public const string Oracle = "ping-5min-peak";

    /// <summary>Every policy the goal compares a candidate with.</summary>
    public static IReadOnlyList<string> References { get; } = [.. Fair, Oracle];

    /// <summary>The clauses of the goal that <paramref name="candidate"/> misses; empty when it holds.</summary>
    /// <param name="candidate">The candidate's result.</param>
    /// <param name="references">A result for each of <see cref="References"/>, by policy name, on the same trace and REAP.</param>
    /// <exception cref="KeyNotFoundException">A reference is missing.</exception>
    public static IReadOnlyList<GoalMiss> Judge(SimulationResult candidate, IReadOnlyDictionary<string, SimulationResult> references)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(references);
        var misses = new List<GoalMiss>();
        foreach (var name in Fair)
        {
            var reference = references[name];
            if (reference.ColdStarts > 0 && candidate.ColdStarts >= reference.ColdStarts)
            {
                misses.Add(new GoalMiss(GoalClause.FewerColdStarts, name, candidate.ColdStarts, reference.ColdStarts));
            }
            else if (reference.ColdStarts == 0 && candidate.ColdStarts > 0)
            {
                misses.Add(new GoalMiss(GoalClause.NoColdStarts, name, candidate.ColdStarts, 0));
            }
        }

        var oracle = references[Oracle];
        if (candidate.CostUsd > oracle.CostUsd)
        {
            misses.Add(new GoalMiss(GoalClause.NoMoreCost, Oracle, candidate.CostUsd, oracle.CostUsd));
        }

        return misses;
    }
}

/// <summary>A clause of <see cref="AdaptiveGoal"/>.</summary>
public enum GoalClause
{
    /// <summary>Strictly fewer cold starts than a reference that has any.</summary>
    FewerColdStarts,

    /// <summary>No cold starts where a reference has none.</summary>
    NoColdStarts,

    /// <summary>No more cost than the oracle.</summary>
    NoMoreCost,
}

/// <summary>A missed clause: against which reference, and the two values compared (cold starts, or cost in USD).</summary>
public sealed record GoalMiss(GoalClause Clause, string Reference, double Candidate, double ReferenceValue)
{
    /// <inheritdoc />
    public override string ToString() => Clause switch
    {
        GoalClause.FewerColdStarts => FormattableString.Invariant($"{Candidate:N0} cold starts, not fewer than {Reference}'s {ReferenceValue:N0}"),
        GoalClause.NoColdStarts => FormattableString.Invariant($"{Candidate:N0} cold starts where {Reference} has none"),
        _ => FormattableString.Invariant($"costs ${Candidate:0.000000}, more than {Reference}'s ${ReferenceValue:0.000000}"),
    };
}
