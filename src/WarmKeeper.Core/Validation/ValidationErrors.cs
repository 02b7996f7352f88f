namespace WarmKeeper.Core.Validation;

/// <summary>
/// Problems found in some input, by field path (camelCase, as the REST API spells them). A validator
/// adds every problem it finds instead of stopping at the first.
/// </summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _byField = new(StringComparer.Ordinal);

    public bool IsValid => _byField.Count == 0;

    public int Count => _byField.Sum(f => f.Value.Count);

    public void Add(string field, string message)
    {
        if (!_byField.TryGetValue(field, out var messages))
        {
            _byField[field] = messages = [];
        }

        messages.Add(message);
    }

    public void AddRange(ValidationErrors other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (field, messages) in other._byField)
        {
            foreach (var message in messages)
            {
                Add(field, message);
            }
        }
    }

    public bool Has(string field) => _byField.ContainsKey(field);

    /// <summary>In the shape of ASP.NET Core's validation problem details.</summary>
    public IDictionary<string, string[]> ToDictionary() =>
        _byField.ToDictionary(f => f.Key, f => f.Value.ToArray(), StringComparer.Ordinal);

    public override string ToString() =>
        string.Join("; ", _byField.SelectMany(f => f.Value.Select(m => $"{f.Key}: {m}")));
}
