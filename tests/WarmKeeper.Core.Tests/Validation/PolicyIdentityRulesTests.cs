using WarmKeeper.Core.Validation;

namespace WarmKeeper.Core.Tests.Validation;

public sealed class PolicyIdentityRulesTests
{
    [Theory]
    [InlineData("w\n")]
    [InlineData("w\r\n")]
    [InlineData("\nw")]
    public void An_id_with_a_newline_anywhere_is_refused(string id) => Assert.False(PolicyIdentityRules.IsSlug(id));

    [Theory]
    [InlineData("hello", true)]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:hello:live", true)]
    [InlineData("123456789012:function:hello", true)]
    [InlineData("hel\0lo", false)]
    [InlineData("hello\n", false)]
    public void Function_names_take_the_characters_of_every_lambda_form_and_no_control_character(string name, bool valid)
    {
        var errors = new ValidationErrors();
        PolicyIdentityRules.ValidateFunctionName(errors, "function", name);
        Assert.Equal(valid, errors.IsValid);
    }

    [Theory]
    [InlineData("live", true)]
    [InlineData("$LATEST", true)]
    [InlineData("live\n", false)]
    [InlineData("\uFFFD", false)]
    public void Qualifiers_end_at_the_end_of_the_string(string qualifier, bool valid)
    {
        var errors = new ValidationErrors();
        PolicyIdentityRules.ValidateQualifier(errors, "qualifier", qualifier);
        Assert.Equal(valid, errors.IsValid);
    }
}
