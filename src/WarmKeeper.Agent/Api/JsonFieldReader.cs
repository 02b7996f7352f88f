using System.Globalization;
using System.Text.Json;
using WarmKeeper.Core.Validation;

namespace WarmKeeper.Agent.Api;

/// <summary>
/// Reads a JSON object field by field, recording a named error for each field of the wrong type
/// instead of failing on the first, so a client learns every problem in one answer.
/// </summary>
internal sealed class JsonFieldReader
{
    private readonly JsonElement _root;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    private JsonFieldReader(JsonElement root, ValidationErrors errors)
    {
        _root = root;
        Errors = errors;
    }

    public ValidationErrors Errors { get; }

    /// <summary>
    /// Parses the request body; null (with the errors) when it is not a JSON object or breaks
    /// <see cref="JsonLimits"/> (too deep, a key twice, a lone surrogate): the door every body passes,
    /// so nothing that would break a later read is stored.
    /// </summary>
    public static async Task<JsonFieldReader?> ReadAsync(HttpRequest request, ValidationErrors errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(errors);
        try
        {
            using var doc = await JsonDocument.ParseAsync(request.Body, JsonLimits.ParseOptions, cancellationToken);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add("body", "The body must be a JSON object.");
                return null;
            }

            var before = errors.Count;
            JsonLimits.Check(doc.RootElement, string.Empty, errors);
            if (errors.Count > before)
            {
                return null;
            }

            return new JsonFieldReader(doc.RootElement.Clone(), errors);
        }
        catch (JsonException e)
        {
            errors.Add("body", $"The body is not valid JSON: {e.Message}");
            return null;
        }
    }

    public string? String(string name, bool required = false)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        Errors.Add(name, $"{name} must be a string.");
        return null;
    }

    /// <summary>
    /// The resource's id: on a PUT the URL's (<paramref name="routeId"/>), which a body may repeat but not
    /// contradict; on a POST the body's, which is then required.
    /// </summary>
    public string? Id(string? routeId)
    {
        var id = String("id", required: routeId is null);
        if (routeId is not null && id is not null && id != routeId)
        {
            Errors.Add("id", $"The body's id '{id}' differs from the URL's '{routeId}'.");
        }

        return routeId ?? id;
    }

    public int? Int(string name, bool required = false)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
        {
            return number;
        }

        Errors.Add(name, $"{name} must be a whole number.");
        return null;
    }

    public double? Double(string name, bool required = false)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            return value.GetDouble();
        }

        Errors.Add(name, $"{name} must be a number.");
        return null;
    }

    public bool? Bool(string name)
    {
        if (!TryGet(name, false, out var value))
        {
            return null;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        Errors.Add(name, $"{name} must be true or false.");
        return null;
    }

    public TimeSpan? Duration(string name)
    {
        var text = String(name);
        if (text is null)
        {
            return null;
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        Errors.Add(name, $"{name} must be a duration such as \"00:05:00\".");
        return null;
    }

    /// <summary>An array of strings; each element of the wrong type is named (<c>name[i]</c>).</summary>
    public IReadOnlyList<string>? StringList(string name, bool required = false)
    {
        if (!TryGet(name, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Errors.Add(name, $"{name} must be an array of strings.");
            return null;
        }

        var list = new List<string>();
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                list.Add(item.GetString()!);
            }
            else
            {
                Errors.Add($"{name}[{i}]", $"{name}[{i}] must be a string.");
            }

            i++;
        }

        return list;
    }

    /// <summary>Any JSON value, as raw text.</summary>
    public string? RawJson(string name)
    {
        if (!TryGet(name, false, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();
    }

    public JsonElement? Object(string name)
    {
        if (!TryGet(name, false, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            return value;
        }

        Errors.Add(name, $"{name} must be an object.");
        return null;
    }

    /// <summary>Adds an error for every member the reader was not asked about: a misspelt field is not silently ignored.</summary>
    public void RejectUnknownFields()
    {
        foreach (var property in _root.EnumerateObject())
        {
            if (!_known.Contains(property.Name))
            {
                Errors.Add(property.Name, $"Unknown field '{property.Name}'.");
            }
        }
    }

    private bool TryGet(string name, bool required, out JsonElement value)
    {
        _known.Add(name);
        if (_root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        if (required)
        {
            Errors.Add(name, $"{name} is required.");
        }

        return false;
    }
}
