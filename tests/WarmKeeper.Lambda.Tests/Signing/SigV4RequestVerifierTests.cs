using Microsoft.Extensions.Time.Testing;
using WarmKeeper.Lambda.Wire;
using WarmKeeper.Lambda.Signing;

namespace WarmKeeper.Lambda.Tests.Signing;

/// <summary>The verifier's scope and clock checks, with both clocks fixed so that messages are exact.</summary>
public sealed class SigV4RequestVerifierTests
{
    private static readonly DateTimeOffset ServerNow = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task An_expired_signature_names_both_times_like_aws()
    {
        await using var endpoint = await VerifyingEndpoint.StartAsync(
            new SigV4RequestVerifier(TestTargets.AccessKeyId, TestTargets.SecretAccessKey, TestTargets.Region, new FakeTimeProvider(ServerNow)));
        using var lambda = LambdaControlPlane.Create(
            TestTargets.Options(endpoint.BaseAddress), timeProvider: new FakeTimeProvider(ServerNow - TimeSpan.FromMinutes(20)));

        var error = await Assert.ThrowsAsync<LambdaAuthenticationException>(() => lambda.GetAccountSettingsAsync(CancellationToken.None));

        Assert.Equal(
            "Signature expired: 20261127T074000Z is now earlier than 20261127T074500Z (20261127T080000Z - 15 min.)",
            error.Message);
    }

    [Fact]
    public async Task A_signature_exactly_at_the_skew_limit_is_accepted()
    {
        await using var endpoint = await VerifyingEndpoint.StartAsync(
            new SigV4RequestVerifier(TestTargets.AccessKeyId, TestTargets.SecretAccessKey, TestTargets.Region, new FakeTimeProvider(ServerNow)));
        using var lambda = LambdaControlPlane.Create(
            TestTargets.Options(endpoint.BaseAddress), timeProvider: new FakeTimeProvider(ServerNow - SigV4RequestVerifier.MaxClockSkew));

        await lambda.GetAccountSettingsAsync(CancellationToken.None);

        Assert.True(Assert.Single(endpoint.Verdicts).IsAuthenticated);
    }

    [Fact]
    public async Task A_signature_scoped_to_another_region_is_refused()
    {
        await using var endpoint = await VerifyingEndpoint.StartAsync(
            new SigV4RequestVerifier(TestTargets.AccessKeyId, TestTargets.SecretAccessKey, "eu-west-1", TimeProvider.System));
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(endpoint.BaseAddress));

        var error = await Assert.ThrowsAsync<LambdaAuthenticationException>(() => lambda.GetAccountSettingsAsync(CancellationToken.None));

        Assert.Equal(LambdaErrorTypes.InvalidSignature, error.ErrorType);
        Assert.Contains("Credential should be scoped to a valid region, not 'us-east-1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signature_scoped_to_another_service_is_refused()
    {
        await using var endpoint = await VerifyingEndpoint.StartAsync(
            new SigV4RequestVerifier(TestTargets.AccessKeyId, TestTargets.SecretAccessKey, TestTargets.Region, TimeProvider.System, service: "execute-api"));
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(endpoint.BaseAddress));

        var error = await Assert.ThrowsAsync<LambdaAuthenticationException>(() => lambda.GetAccountSettingsAsync(CancellationToken.None));

        Assert.Contains("Credential should be scoped to correct service: 'execute-api'", error.Message, StringComparison.Ordinal);
    }
}
