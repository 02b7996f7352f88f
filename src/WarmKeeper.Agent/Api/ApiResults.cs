using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using WarmKeeper.Core.Validation;

namespace WarmKeeper.Agent.Api;

internal static class ApiResults
{
    /// <summary>RFC 9457 problem details listing every invalid field.</summary>
    public static ValidationProblem Invalid(ValidationErrors errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(), title: Title(errors));

    /// <summary>Problem details listing every invalid field, with a status other than 400 (a 415, a 413).</summary>
    public static ProblemHttpResult Invalid(ValidationErrors errors, int statusCode) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors.ToDictionary()) { Status = statusCode, Title = Title(errors) });

    private static string Title(ValidationErrors errors) => $"The request has {errors.Count} invalid field{(errors.Count == 1 ? "" : "s")}.";

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"{what} was not found.");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict.", detail: detail);

    public static ProblemHttpResult PreconditionFailed(string currentETag) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status412PreconditionFailed,
            title: "The resource changed since you read it.",
            detail: $"If-Match did not match the current ETag {currentETag}; read it again and reapply your change.");

    /// <summary>Reads <c>If-Match</c>: null when absent or <c>*</c>; false when it is not one of our ETags.</summary>
    public static bool TryReadIfMatch(HttpRequest request, out long? revision)
    {
        revision = null;
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0 || header == "*")
        {
            return true;
        }

        var value = header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header;
        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"'
            && long.TryParse(value.AsSpan(1, value.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            revision = parsed;
            return true;
        }

        return false;
    }
}
