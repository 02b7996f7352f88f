using WarmKeeper.LocalRuntime.Auth;

namespace WarmKeeper.LocalRuntime.Tests.Auth;

/// <summary>The runtime's SigV4 authenticator built from its options (the verifier itself is tested in WarmKeeper.Lambda.Tests).</summary>
public sealed class SigV4RequestAuthenticatorTests
{
    [Fact]
    public void Building_from_options_names_every_missing_credential_field()
    {
        var options = new LocalRuntimeOptions { Credentials = new LocalRuntimeCredentials() };

        var error = Assert.Throws<ArgumentException>(() => SigV4RequestAuthenticator.CreateVerifier(options, TimeProvider.System));

        Assert.Contains("WarmKeeper:LocalRuntime:Credentials:AccessKeyId", error.Message, StringComparison.Ordinal);
        Assert.Contains("WarmKeeper:LocalRuntime:Credentials:SecretAccessKey", error.Message, StringComparison.Ordinal);
    }
}
