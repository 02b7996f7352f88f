using System.Globalization;
using System.Text.RegularExpressions;

namespace WarmKeeper.Lambda.Wire;

/// <summary>
/// The parts of a FunctionName path parameter: a name, a full ARN, a partial ARN
/// (<c>123456789012:function:name</c>, optionally with the region before it) or <c>name:qualifier</c>,
/// each with an optional qualifier. Every listener reads names through this one parser, so that every
/// form resolves to the same function, the same limits and the same policies.
/// </summary>
/// <param name="Region">The region an ARN names; null where the form names none.</param>
/// <param name="Account">The account a full or partial ARN names; null where the form names none.</param>
public readonly partial record struct FunctionReference(string Name, string? Qualifier, string? Region = null, string? Account = null)
{
    /// <summary>The service model's NamespacedFunctionName (Invoke's FunctionName), the form this parser reads.</summary>
    public const string NamespacedFunctionNamePattern =
        @"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?";

    /// <summary>The service model's Qualifier (the <c>Qualifier</c> query parameter).</summary>
    public const string QualifierPattern = @"(|[a-zA-Z0-9$_-]+)";

    public const int NamespacedFunctionNameMaxLength = 170;
    public const int QualifierMaxLength = 128;

    /// <summary>
    /// Splits <paramref name="functionName"/> as Lambda reads it: by the service model's pattern, so that
    /// <c>123456789012:function:name</c> is the function <c>name</c>, never function <c>123456789012</c>
    /// with a qualifier. A value outside the pattern (which Lambda refuses; see <see cref="TryResolve"/>)
    /// is split at its colons, as well as it can be.
    /// </summary>
    public static FunctionReference Parse(string functionName)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        if (functionName.IndexOf(':', StringComparison.Ordinal) < 0)
        {
            return new FunctionReference(functionName, null);
        }

        var match = Namespaced().Match(functionName);
        if (match.Success)
        {
            return new FunctionReference(
                match.Groups["name"].Value,
                GroupOrNull(match, "qualifier"),
                GroupOrNull(match, "region"),
                GroupOrNull(match, "account"));
        }

        var parts = functionName.Split(':');
        return new FunctionReference(parts[0], parts.Length > 1 ? parts[1] : null);
    }

    /// <summary>
    /// Resolves an Invoke's FunctionName and <c>Qualifier</c> query parameter as Lambda does, or gives
    /// Lambda's refusal: a name outside the service model's pattern or length, a bad qualifier, or a
    /// qualifier in the name that differs from the one in the query.
    /// </summary>
    /// <param name="resolved">The function, with the qualifier in force (the query's, else the name's).</param>
    public static bool TryResolve(string functionName, string? qualifierQuery, out FunctionReference resolved, out LambdaApiError? error)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        resolved = default;
        error = ConstraintError(functionName, "functionName", Namespaced(), NamespacedFunctionNamePattern, NamespacedFunctionNameMaxLength);
        if (error is null && qualifierQuery is not null)
        {
            error = ConstraintError(qualifierQuery, "qualifier", QualifierRegex(), QualifierPattern, QualifierMaxLength, allowEmpty: true);
        }

        if (error is not null)
        {
            return false;
        }

        var reference = Parse(functionName);
        var query = string.IsNullOrEmpty(qualifierQuery) ? null : qualifierQuery;
        if (reference.Qualifier is not null && query is not null && query != reference.Qualifier)
        {
            error = LambdaApiError.InvalidParameter("The derived qualifier from the function name does not match the specified qualifier.");
            return false;
        }

        resolved = reference with { Qualifier = query ?? reference.Qualifier };
        return true;
    }

    /// <summary>
    /// Lambda's validation error for <paramref name="value"/> against one of the service model's
    /// constraints (length, then pattern, which must match the whole value), or null when it holds.
    /// </summary>
    public static LambdaApiError? ConstraintError(string value, string field, Regex wholeValue, string pattern, int maxLength, bool allowEmpty = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(wholeValue);
        string? constraint = null;
        if (value.Length < 1 && !allowEmpty)
        {
            constraint = "Member must have length greater than or equal to 1";
        }
        else if (value.Length > maxLength)
        {
            constraint = string.Create(CultureInfo.InvariantCulture, $"Member must have length less than or equal to {maxLength}");
        }
        else if (!wholeValue.IsMatch(value))
        {
            constraint = "Member must satisfy regular expression pattern: " + pattern;
        }

        return constraint is null
            ? null
            : LambdaApiError.InvalidParameter("1 validation error detected: Value '" + value + "' at '" + field + "' failed to satisfy constraint: " + constraint);
    }

    private static string? GroupOrNull(Match match, string name) => match.Groups[name] is { Success: true } g ? g.Value : null;

    // The service model's pattern with its parts named; \z, not $, which would also match before a final newline.
    [GeneratedRegex(@"^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:(?<region>[a-z]{2}(?:-gov)?-[a-z]+-\d{1}):)?(?:(?<account>\d{12}):)?(?:function:)?(?<name>[a-zA-Z0-9-_\.]+)(?::(?<qualifier>\$LATEST|[a-zA-Z0-9-_]+))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Namespaced();

    [GeneratedRegex(@"^(?:" + QualifierPattern + @")\z", RegexOptions.CultureInvariant)]
    private static partial Regex QualifierRegex();
}
