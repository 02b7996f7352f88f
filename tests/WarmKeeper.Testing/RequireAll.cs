using Xunit;

namespace WarmKeeper.Testing;

/// <summary>
/// The rule for tests that need something outside the repository (the AWS CLI, a browser):
/// skip with a visible reason, unless <c>WARMKEEPER_REQUIRE_ALL=1</c> says every dependency must be
/// present, in which case the missing dependency fails the test.
/// </summary>
public static class RequireAll
{
    public const string VariableName = "WARMKEEPER_REQUIRE_ALL";

    public static bool IsRequired =>
        Environment.GetEnvironmentVariable(VariableName) is "1" or "true" or "True" or "TRUE";

    /// <summary>Skips (or, under WARMKEEPER_REQUIRE_ALL=1, fails) unless <paramref name="available"/>.</summary>
    public static void SkipUnless(bool available, string reason)
    {
        if (available)
        {
            return;
        }

        if (IsRequired)
        {
            throw new InvalidOperationException($"{reason} ({VariableName}=1 turns this skip into a failure.)");
        }

        Skip.If(true, reason);
    }
}
