using System.Globalization;
using System.Text.RegularExpressions;

namespace WarmKeeper.LocalRuntime.Engine;

/// <summary>
/// The tags of each function, seeded from <see cref="LocalFunctionOptions.Tags"/> the first time a
/// function's tags are read and changed by TagResource/UntagResource afterwards. Its own lock: tags
/// never take part in admitting an invocation, so they stay off the engine's gate.
/// </summary>
internal sealed class FunctionTags
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, string>> _byFunction = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Get(FunctionDefinition function)
    {
        lock (_gate)
        {
            return new Dictionary<string, string>(TagsOfLocked(function), StringComparer.Ordinal);
        }
    }

    /// <summary>Adds or replaces <paramref name="tags"/>; nothing changes when the result would break a rule.</summary>
    /// <returns>The rule broken, or null.</returns>
    public string? Add(FunctionDefinition function, IReadOnlyDictionary<string, string> tags)
    {
        if (TagRules.Check(tags) is { } problem)
        {
            return problem;
        }

        lock (_gate)
        {
            var current = TagsOfLocked(function);
            var added = 0;
            foreach (var key in tags.Keys)
            {
                if (!current.ContainsKey(key))
                {
                    added++;
                }
            }

            if (current.Count + added > TagRules.MaxTags)
            {
                return TagRules.TooMany(current.Count + added);
            }

            foreach (var (key, value) in tags)
            {
                current[key] = value;
            }
        }

        return null;
    }

    public void Remove(FunctionDefinition function, IEnumerable<string> keys)
    {
        lock (_gate)
        {
            var current = TagsOfLocked(function);
            foreach (var key in keys)
            {
                current.Remove(key);
            }
        }
    }

    private SortedDictionary<string, string> TagsOfLocked(FunctionDefinition function)
    {
        if (!_byFunction.TryGetValue(function.Name, out var tags))
        {
            tags = new SortedDictionary<string, string>(function.Options.Tags, StringComparer.Ordinal);
            _byFunction[function.Name] = tags;
        }

        return tags;
    }
}

/// <summary>Lambda's rules for tags, for the configuration and for TagResource alike.</summary>
internal static partial class TagRules
{
    public const int MaxTags = 50;
    public const int MaxKeyLength = 128;
    public const int MaxValueLength = 256;

    /// <summary>The first rule <paramref name="tags"/> breaks, in words naming the tag; null when none.</summary>
    public static string? Check(IReadOnlyDictionary<string, string> tags)
    {
        if (tags.Count > MaxTags)
        {
            return TooMany(tags.Count);
        }

        foreach (var (key, value) in tags)
        {
            if (key.Length is < 1 or > MaxKeyLength)
            {
                return string.Create(CultureInfo.InvariantCulture, $"Tag key '{key}' must be 1 to {MaxKeyLength} characters long.");
            }

            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                return "Tag key '" + key + "' uses the prefix 'aws:', which is reserved for AWS use.";
            }

            if (!Allowed().IsMatch(key))
            {
                return "Tag key '" + key + "' may contain only letters, digits, spaces and _ . : / = + - @.";
            }

            if (value is null || value.Length > MaxValueLength)
            {
                return string.Create(CultureInfo.InvariantCulture, $"The value of tag '{key}' must be 0 to {MaxValueLength} characters long.");
            }

            if (!Allowed().IsMatch(value))
            {
                return "The value of tag '" + key + "' may contain only letters, digits, spaces and _ . : / = + - @.";
            }
        }

        return null;
    }

    public static string TooMany(int count) => string.Create(CultureInfo.InvariantCulture,
        $"A function can have at most {MaxTags} tags; this request would leave it with {count}.");

    [GeneratedRegex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Allowed();
}
