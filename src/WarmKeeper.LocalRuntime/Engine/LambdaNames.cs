using System.Text.RegularExpressions;
using WarmKeeper.Lambda.Wire;

namespace WarmKeeper.LocalRuntime.Engine;

/// <summary>
/// The service model's constraints on names (botocore <c>lambda/2015-03-31/service-2.json</c>
/// shapes NamespacedFunctionName, FunctionName, FunctionArn, Qualifier, Alias, Version), refused
/// with the validation message Lambda writes, so a name the cloud refuses is refused here too.
/// </summary>
internal static partial class LambdaNames
{
    private const string NamespacedFunctionNamePattern = FunctionReference.NamespacedFunctionNamePattern;

    private const string FunctionNamePattern =
        @"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?";

    private const string FunctionArnPattern =
        @"arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}(-gov)?-[a-z]+-\d{1}:\d{12}:function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?";

    private const string QualifierPattern = FunctionReference.QualifierPattern;
    private const string AliasPattern = "(?!^[0-9]+$)([a-zA-Z0-9-_]+)";
    private const string VersionPattern = @"(\$LATEST|[0-9]+)";

    public static void RequireNamespacedFunctionName(string value) =>
        Require(value, "functionName", NamespacedFunctionName(), NamespacedFunctionNamePattern, 170);

    public static void RequireFunctionName(string value) =>
        Require(value, "functionName", FunctionName(), FunctionNamePattern, 140);

    public static void RequireFunctionArn(string value, string field) =>
        Require(value, field, FunctionArn(), FunctionArnPattern, int.MaxValue);

    public static void RequireQualifier(string value) => Require(value, "qualifier", Qualifier(), QualifierPattern, 128);

    public static void RequireAlias(string value) => Require(value, "name", Alias(), AliasPattern, 128);

    public static void RequireVersion(string value, string field) => Require(value, field, Version(), VersionPattern, 1024);

    private static void Require(string value, string field, Regex regex, string pattern, int maxLength)
    {
        if (FunctionReference.ConstraintError(value, field, regex, pattern, maxLength) is { } error)
        {
            throw new LambdaApiException(error);
        }
    }

    [GeneratedRegex("^(?:" + NamespacedFunctionNamePattern + ")\\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamespacedFunctionName();

    [GeneratedRegex("^(?:" + FunctionNamePattern + ")\\z", RegexOptions.CultureInvariant)]
    private static partial Regex FunctionName();

    [GeneratedRegex("^(?:" + FunctionArnPattern + ")\\z", RegexOptions.CultureInvariant)]
    private static partial Regex FunctionArn();

    [GeneratedRegex("^(?:" + QualifierPattern + ")\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Qualifier();

    [GeneratedRegex("^(?:" + AliasPattern + ")\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Alias();

    [GeneratedRegex("^(?:" + VersionPattern + ")\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Version();
}
