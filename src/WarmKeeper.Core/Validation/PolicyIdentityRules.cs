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

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Slug();

    [GeneratedRegex("^[A-Za-z0-9_.:$-]+\\z", RegexOptions.CultureInvariant)]
    private static partial Regex FunctionNameText();
}
