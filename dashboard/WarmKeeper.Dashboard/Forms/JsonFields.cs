using System.Globalization;
using System.Text.Json.Nodes;

namespace WarmKeeper.Dashboard.Forms;

/// <summary>
/// Turns what a person typed into a request body: a figure becomes a JSON number, anything else is
/// sent as typed, so the REST API (not the dashboard) says what is wrong with it, naming the field.
/// </summary>
public static class JsonFields
{
    /// <returns>null for an empty field (the API's default applies).</returns>
    public static JsonNode? Number(string? text)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        if (long.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole))
        {
            return JsonValue.Create(whole);
        }

        return double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
            ? JsonValue.Create(number)
            : JsonValue.Create(trimmed);
    }

    /// <returns>null for an empty field.</returns>
    public static JsonNode? Text(string? text) => string.IsNullOrWhiteSpace(text) ? null : JsonValue.Create(text.Trim());

    /// <summary>Adds a member unless it is null (an empty field).</summary>
    public static void Set(JsonObject json, string name, JsonNode? value)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (value is not null)
        {
            json[name] = value;
        }
    }
}
