using System.Text.Json;
using System.Text.Json.Nodes;

namespace WarmKeeper.Core.Validation;

/// <summary>
/// The one set of rules for every JSON document the agent accepts and keeps (request bodies, a warm-up
/// policy's customPayload and clientContext): checked at the door, so nothing stored can break a later
/// read. A stored document is later nested inside others (an event's data, an API answer), which is
/// why the limit sits well below System.Text.Json's default of 64.
/// </summary>
public static class JsonLimits
{
    /// <summary>The deepest nesting accepted, counting the outermost object or array as 1.</summary>
    public const int MaxDepth = 32;

    /// <summary>
    /// How deep a document may be parsed to be inspected: deeper than <see cref="MaxDepth"/>, so a
    /// too-deep value is named by its field rather than refused as a whole.
    /// </summary>
    public const int ParseDepth = 256;

    /// <summary>
    /// How much of a stored document a read keeps: a value accepted at <see cref="MaxDepth"/> nested in
    /// an event (data, policy) and the answer around it (page, events) stays below the serializer's 64.
    /// </summary>
    public const int MaxStoredDepth = 48;

    /// <summary>What parsing for inspection needs: room beyond the limit, and duplicates kept so they can be named.</summary>
    public static JsonDocumentOptions ParseOptions => new() { MaxDepth = ParseDepth };

    /// <summary>
    /// Adds an error for every way <paramref name="element"/> breaks the rules: nesting deeper than
    /// <see cref="MaxDepth"/>, a key given twice in one object (JSON readers disagree on which wins),
    /// and a string or key that is not valid Unicode (a lone surrogate such as <c>"\ud800"</c>).
    /// </summary>
    /// <param name="element">The value to check.</param>
    /// <param name="field">Its field path (empty for a request body: its members are named by themselves).</param>
    /// <param name="errors">Where problems go, each under the path of the field at fault.</param>
    /// <param name="depth">How deeply <paramref name="element"/> already sits (0 for a document's root).</param>
    public static void Check(JsonElement element, string field, ValidationErrors errors, int depth = 0)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(errors);
        if (Walk(element, field, errors, depth) > MaxDepth && !errors.Has(field.Length == 0 ? "body" : field))
        {
            TooDeep(field.Length == 0 ? "body" : field, errors);
        }
    }

    /// <summary>
    /// Parses <paramref name="json"/> (a stored or submitted document held as text) and checks it as
    /// <see cref="Check"/> does, naming <paramref name="field"/>; false when it is not JSON or breaks a rule.
    /// </summary>
    public static bool TryCheck(string json, string field, ValidationErrors errors, out JsonValueKind kind)
    {
        ArgumentNullException.ThrowIfNull(errors);
        kind = JsonValueKind.Undefined;
        try
        {
            using var doc = JsonDocument.Parse(json, ParseOptions);
            var before = errors.Count;
            Check(doc.RootElement, field, errors);
            kind = doc.RootElement.ValueKind;
            return errors.Count == before;
        }
        catch (JsonException e)
        {
            errors.Add(field, $"{field} is not valid JSON: {e.Message}");
            return false;
        }
    }

    /// <summary>
    /// Reads a document the agent stored, possibly by an older version that did not check it: never
    /// throws. Parts nested deeper than <see cref="MaxStoredDepth"/> are replaced by a note, and a
    /// document that cannot be read at all becomes a note, so one bad row cannot break a whole listing.
    /// </summary>
    public static JsonNode? ReadStored(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return Prune(JsonNode.Parse(json, documentOptions: ParseOptions), 1);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            return JsonValue.Create($"(stored JSON that cannot be read: {e.Message})");
        }
    }

    private static JsonNode? Prune(JsonNode? node, int depth)
    {
        if (node is not (JsonObject or JsonArray))
        {
            return node;
        }

        if (depth > MaxStoredDepth)
        {
            return JsonValue.Create($"(nested deeper than {MaxStoredDepth} levels; left out)");
        }

        if (node is JsonObject o)
        {
            foreach (var key in o.Select(p => p.Key).ToList())
            {
                var child = o[key];
                var pruned = Prune(child, depth + 1);
                if (!ReferenceEquals(child, pruned))
                {
                    o[key] = pruned;
                }
            }
        }
        else if (node is JsonArray a)
        {
            for (var i = 0; i < a.Count; i++)
            {
                var child = a[i];
                var pruned = Prune(child, depth + 1);
                if (!ReferenceEquals(child, pruned))
                {
                    a[i] = pruned;
                }
            }
        }

        return node;
    }

    /// <returns>The depth reached; members deeper than the limit are not walked further.</returns>
    private static int Walk(JsonElement element, string path, ValidationErrors errors, int depth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
            {
                var deepest = depth + 1;
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    if (!TryRead(() => property.Name, out var name))
                    {
                        errors.Add(Name(path, "?"), $"A key inside {Describe(path)} is not valid Unicode (a lone surrogate).");
                        continue;
                    }

                    var member = Name(path, name);
                    if (!seen.Add(name))
                    {
                        errors.Add(member, $"The key '{name}' is given twice in {Describe(path)}; give each key once.");
                        continue;
                    }

                    if (deepest <= MaxDepth)
                    {
                        var reached = Walk(property.Value, member, errors, depth + 1);
                        if (reached > MaxDepth && path.Length == 0)
                        {
                            // A member of a body is named by itself: the client learns which field is too deep.
                            TooDeep(member, errors);
                            continue;
                        }

                        deepest = Math.Max(deepest, reached);
                    }
                }

                return deepest;
            }

            case JsonValueKind.Array:
            {
                var deepest = depth + 1;
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (deepest <= MaxDepth)
                    {
                        deepest = Math.Max(deepest, Walk(item, $"{(path.Length == 0 ? "body" : path)}[{i}]", errors, depth + 1));
                    }

                    i++;
                }

                return deepest;
            }

            case JsonValueKind.String:
                if (!TryRead(element.GetString, out _))
                {
                    errors.Add(path.Length == 0 ? "body" : path, $"{Describe(path)} is not valid Unicode (a lone surrogate such as \\ud800).");
                }

                return depth;

            default:
                return depth;
        }
    }

    private static void TooDeep(string field, ValidationErrors errors) =>
        errors.Add(field, $"{field} is nested more than {MaxDepth} levels deep; at most {MaxDepth} are accepted.");

    private static bool TryRead(Func<string?> read, out string value)
    {
        try
        {
            value = read() ?? string.Empty;
            return true;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses to turn an escaped lone surrogate into a .NET string.
            value = string.Empty;
            return false;
        }
    }

    private static string Name(string path, string member) => path.Length == 0 ? member : $"{path}.{member}";

    private static string Describe(string path) => path.Length == 0 ? "the body" : path;
}
