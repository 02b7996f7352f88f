using System.Text.RegularExpressions;

namespace WarmKeeper.Core.Validation;

/// <summary>The rules every policy shares: a slug id, a target, a function.</summary>
/// <remarks>
/// Every pattern here is anchored with <c>\z</c>, not <c>$</c>: .NET's <c>$</c> also matches before a
/// final newline, which let an id ending in "\n" through.
/// </remarks>
public static partial class PolicyIdentityRules
{
    public const int MaxFunctionNameLength = 140;

    public const string SlugRule = "An id is 1 to 64 lowercase letters, digits or '-', starting with a letter or digit.";

    public static void Validate(ValidationErrors errors, string? id, string? target, string? function)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!IsSlug(id))
        {
            errors.Add("id", SlugRule);
        }

        if (string.IsNullOrWhiteSpace(target))
        {
            errors.Add("target", "A target is required (\"local\" for the built-in runtime).");
        }

        ValidateFunctionName(errors, "function", function);
    }

    /// <summary>An id: 1 to 64 lowercase letters, digits or '-', starting with a letter or digit, and nothing after.</summary>
    public static bool IsSlug(string? id) => !string.IsNullOrEmpty(id) && Slug().IsMatch(id);

    /// <summary>
    /// A function as Lambda names it (name, <c>name:qualifier</c>, partial or full ARN): only the
    /// characters those forms are made of, so a control character (NUL, a newline) never reaches a URL.
    /// </summary>
    public static void ValidateFunctionName(ValidationErrors errors, string field, string? function)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(function))
        {
            errors.Add(field, "A function name is required.");
        }
        else if (function.Length > MaxFunctionNameLength)
        {
            errors.Add(field, $"A function name is at most {MaxFunctionNameLength} characters.");
        }
        else if (!FunctionNameText().IsMatch(function))
        {
            errors.Add(field, "A function name (or ARN) is made of letters, digits and - _ . : $ only.");
        }
    }

    /// <summary>A version or alias name as Lambda allows them ($LATEST, digits, or up to 128 letters, digits, '-' and '_').</summary>
    public static void ValidateQualifier(ValidationErrors errors, string field, string qualifier)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(qualifier);
        if (qualifier.Length is 0 or > 128 || !QualifierText().IsMatch(qualifier))
        {
            errors.Add(field, $"'{qualifier}' is not a version or alias name.");
        }
    }

    [GeneratedRegex(@"^(\$LATEST|[0-9]+|[a-zA-Z0-9-_]+)\z", RegexOptions.CultureInvariant)]
    private static partial Regex QualifierText();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Slug();

    [GeneratedRegex("^[A-Za-z0-9_.:$-]+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex FunctionNameText();
}
