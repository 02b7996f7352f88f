using WarmKeeper.Lambda.Signing;
using WarmKeeper.LocalRuntime.Auth;

namespace WarmKeeper.Lambda.Tests.Signing;

/// <summary>Process environment variables are shared by the whole test run, so these tests run alone.</summary>
[CollectionDefinition(nameof(ProcessEnvironment), DisableParallelization = true)]
public sealed class ProcessEnvironment;

/// <summary>
/// Without keys in the options, credentials come from AWSSDK.Core's default chain or a named profile.
/// (The SDK fixes the shared-credentials path on first use, so the profile test names its file
/// through <see cref="LambdaTargetOptions.ProfilesLocation"/> rather than AWS_SHARED_CREDENTIALS_FILE.)
/// </summary>
[Collection(nameof(ProcessEnvironment))]
public sealed class CredentialChainTests
{
    private const string EnvironmentKeyId = "AKIDFROMENVIRONMENT1";
    private const string EnvironmentSecret = "secret/from+the/environment";
    private const string ProfileKeyId = "AKIDFROMPROFILEFILE1";
    private const string ProfileSecret = "secret/from+a/profile";

    [Fact]
    public async Task The_default_chain_picks_up_environment_credentials()
    {
        await using var endpoint = await VerifyingEndpoint.StartAsync(
            new SigV4RequestVerifier(EnvironmentKeyId, EnvironmentSecret, TestTargets.Region, TimeProvider.System));
        using var environment = new TemporaryEnvironment(new()
        {
            ["AWS_ACCESS_KEY_ID"] = EnvironmentKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = EnvironmentSecret,
            ["AWS_SESSION_TOKEN"] = null,
            ["AWS_PROFILE"] = null,
        });
        using var lambda = LambdaControlPlane.Create(TestTargets.Options(endpoint.BaseAddress, o =>
        {
            o.AccessKeyId = null;
            o.SecretAccessKey = null;
        }));

        await lambda.GetAccountSettingsAsync(CancellationToken.None);

        var verdict = Assert.Single(endpoint.Verdicts);
        Assert.True(verdict.IsAuthenticated, verdict.Message);
        Assert.Equal(EnvironmentKeyId, verdict.AccessKeyId);
    }

    [Fact]
    public async Task A_named_profile_from_the_shared_credentials_file_is_used()
    {
        var file = Path.Combine(Path.GetTempPath(), $"warmkeeper-credentials-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, $"[warmkeeper-test]\naws_access_key_id = {ProfileKeyId}\naws_secret_access_key = {ProfileSecret}\n");
        try
        {
            await using var endpoint = await VerifyingEndpoint.StartAsync(
                new SigV4RequestVerifier(ProfileKeyId, ProfileSecret, TestTargets.Region, TimeProvider.System));
            using var lambda = LambdaControlPlane.Create(TestTargets.Options(endpoint.BaseAddress, o =>
            {
                o.AccessKeyId = null;
                o.SecretAccessKey = null;
                o.Profile = "warmkeeper-test";
                o.ProfilesLocation = file;
            }));

            await lambda.GetAccountSettingsAsync(CancellationToken.None);

            Assert.Equal(ProfileKeyId, Assert.Single(endpoint.Verdicts).AccessKeyId);

            using var missing = LambdaControlPlane.Create(TestTargets.Options(endpoint.BaseAddress, o =>
            {
                o.AccessKeyId = null;
                o.SecretAccessKey = null;
                o.Profile = "no-such-profile";
                o.ProfilesLocation = file;
            }));
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => missing.GetAccountSettingsAsync(CancellationToken.None));
            Assert.Contains("profile 'no-such-profile' was not found", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private sealed class TemporaryEnvironment : IDisposable
    {
        private readonly Dictionary<string, string?> _previous = new(StringComparer.Ordinal);

        public TemporaryEnvironment(Dictionary<string, string?> values)
        {
            foreach (var (name, value) in values)
            {
                _previous[name] = Environment.GetEnvironmentVariable(name);
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        public void Dispose()
        {
            foreach (var (name, value) in _previous)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
