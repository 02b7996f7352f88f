using System.Globalization;
using WarmKeeper.Core.Validation;

namespace WarmKeeper.Agent.Api;

/// <summary>
/// Reads query parameters by hand, each problem named by its parameter, so a bad value (<c>limit=abc</c>,
/// a number past Int32, a parameter given twice) is a problem-details 400 rather than the empty 400 of
/// minimal-API binding. Handlers still declare the parameters (as strings) so OpenAPI lists them.
/// </summary>
internal sealed class QueryReader(HttpRequest request, ValidationErrors errors)
{
    public ValidationErrors Errors => errors;

    /// <summary>The parameter's one value; null when absent, and an error when it is given more than once.</summary>
    public string? String(string name)
    {
        var values = request.Query[name];
        if (values.Count > 1)
        {
            errors.Add(name, $"{name} is given {values.Count} times; give it once.");
            return null;
        }

        return values.Count == 0 ? null : values[0];
    }

    public long? Long(string name, long min, long max)
    {
        var text = String(name);
        if (text is null)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors.Add(name, $"{name} must be a whole number between {min} and {max}, not '{text}'.");
        return null;
    }

    public int? Int(string name, int min, int max) => (int?)Long(name, min, max);
}
