using WarmKeeper.Dashboard.Client;

namespace WarmKeeper.Dashboard.Charts;

/// <summary>The runs no other run beats on both cold starts and cost: the choices worth weighing.</summary>
public static class ParetoFrontier
{
    /// <returns>The non-dominated rows, cheapest first.</returns>
    public static IReadOnlyList<SimulationRowInfo> Of(IEnumerable<SimulationRowInfo> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var frontier = new List<SimulationRowInfo>();
        foreach (var row in rows.OrderBy(r => r.CostUsd).ThenBy(r => r.ColdStarts))
        {
            // Sorted by cost: a row is on the frontier when it has fewer cold starts than every cheaper one.
            if (frontier.Count == 0 || row.ColdStarts < frontier[^1].ColdStarts)
            {
                frontier.Add(row);
            }
        }

        return frontier;
    }
}
