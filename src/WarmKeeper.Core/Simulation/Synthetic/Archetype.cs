namespace WarmKeeper.Core.Simulation.Synthetic;

/// <summary>
/// A kind of function found in production workloads (a timer, a diurnal API, a batch fan-out…): a recipe that, from a
/// random stream, draws one function's parameters and its day of invocations. <see cref="Archetypes"/> holds the
/// built-in ones; a custom one is a name, a description and a recipe.
/// </summary>
/// <example>
/// <code>
/// var nightly = new Archetype("nightly-import", "200 calls at 02:00", d =>
/// {
///     d.DrawDurations(500, 2000);
///     d.Burst(2 * 3_600_000, 200, spreadMs: 60_000);
/// });
/// var trace = new SyntheticTraceBuilder(seed: 7).Add(nightly).Add(Archetypes.DiurnalApi).Build("custom-7");
/// </code>
/// </example>
public sealed class Archetype
{
    private readonly Action<FunctionDraft> _recipe;

    /// <summary>Creates an archetype.</summary>
    /// <param name="name">Its name, also the default name of the functions it draws (kebab-case by convention).</param>
    /// <param name="description">What it models, with the ranges it draws from.</param>
    /// <param name="recipe">Fills a draft: overrides settings where needed and adds arrivals.</param>
    public Archetype(string name, string description, Action<FunctionDraft> recipe)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(recipe);
        Name = name;
        Description = description;
        _recipe = recipe;
    }

    /// <summary>The archetype's name.</summary>
    public string Name { get; }

    /// <summary>What it models.</summary>
    public string Description { get; }

    /// <summary>Draws one function from <paramref name="random"/>; the same stream state gives the same function.</summary>
    /// <param name="random">The function's own random stream.</param>
    /// <param name="horizonMs">The end of the trace.</param>
    public SyntheticFunction Generate(SyntheticRandom random, long horizonMs = DemandTrace.HorizonMs)
    {
        var draft = new FunctionDraft(Name, random, horizonMs);
        _recipe(draft);
        return draft.Finish();
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
