using System.Text.RegularExpressions;

namespace WarmKeeper.Core.Validation;

/// <summary>The rules every policy shares: a slug id, a target, a function.</summary>
public static partial class PolicyIdentityRules
{
    public const int MaxFunctionNameLength = 140;

    public static void Validate(ValidationErrors errors, string? id, string? target, string? function)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrEmpty(id) || !Slug().IsMatch(id))
        {
            errors.Add("id", "An id is 1 to 64 lowercase letters, digits or '-', starting with a letter or digit.");
        }

        if (string.IsNullOrWhiteSpace(target))
        {
            errors.Add("target", "A target is required (\"local\" for the built-in runtime).");
        }

        if (string.IsNullOrWhiteSpace(function))
        {
            errors.Add("function", "A function name is required.");
        }
        else if (function.Length > MaxFunctionNameLength)
        {
            errors.Add("function", $"A function name is at most {MaxFunctionNameLength} characters.");
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex Slug();
}
