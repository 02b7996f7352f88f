using WarmKeeper.Lambda.Signing;
using WarmKeeper.LocalRuntime.Auth;

namespace WarmKeeper.Lambda.Tests.Signing;

/// <summary>The canonical URI and query rules of SigV4 for non-S3 services (double encoding, normalization, sorting).</summary>
public sealed class SigV4CanonicalizationTests
{
    [Theory]
    [InlineData("", "/")]
    [InlineData("/", "/")]
    [InlineData("/2015-03-31/functions/", "/2015-03-31/functions/")]
    [InlineData("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af/invocations",
        "/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A1%253Afunction%253Af/invocations")]
    [InlineData("/a/./b/../c//d", "/a/c/d")]
    [InlineData("/..", "/")]
    [InlineData("/with%20space/~tilde", "/with%2520space/~tilde")]
    public void Canonical_uri(string rawPath, string expected) =>
        Assert.Equal(expected, SigV4Canonicalization.CanonicalUri(rawPath));

    [Theory]
    [InlineData("", "")]
    [InlineData("Qualifier=live", "Qualifier=live")]
    [InlineData("MaxItems=3&Marker=b%20c&FunctionVersion=ALL", "FunctionVersion=ALL&Marker=b%20c&MaxItems=3")]
    [InlineData("List=ALL&Marker", "List=ALL&Marker=")]
    [InlineData("b=2&a=%2f&a=1", "a=%2F&a=1&b=2")]
    [InlineData("m=a+b&n=%7E", "m=a%2Bb&n=~")]
    public void Canonical_query(string rawQuery, string expected) =>
        Assert.Equal(expected, SigV4Canonicalization.CanonicalQuery(rawQuery));
}
