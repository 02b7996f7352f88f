using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace WarmKeeper.Lambda.Signing;

/// <summary>
/// Where a target's signing credentials come from: explicit credentials, static keys, a named
/// profile, or the SDK's default chain (environment, profile, ECS/EKS container credentials,
/// EC2 instance role, web identity through AWSSDK.SecurityToken). Resolution happens on first use
/// (so a missing role does not fail start-up) and is retried after a failure; refreshing
/// credentials (roles, web identity) are refreshed by the SDK inside <see cref="AWSCredentials.GetCredentialsAsync"/>.
/// </summary>
internal sealed class LambdaCredentialSource : IDisposable
{
    private readonly LambdaTargetOptions _options;
    private readonly ClientConfig _clientConfig;
    private readonly SemaphoreSlim _resolveGate = new(1, 1);
    private AWSCredentials? _credentials;

    public LambdaCredentialSource(LambdaTargetOptions options, ClientConfig clientConfig, AWSCredentials? explicitCredentials)
    {
        _options = options;
        _clientConfig = clientConfig;
        _credentials = explicitCredentials ?? FromOptions(options);
    }

    public async ValueTask<ImmutableCredentials> GetAsync(CancellationToken cancellationToken)
    {
        var credentials = _credentials ?? await ResolveAsync(cancellationToken).ConfigureAwait(false);
        var immutable = await credentials.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return immutable ?? throw new InvalidOperationException(
            $"Lambda target '{_options.Name}': the credential provider {credentials.GetType().Name} returned no credentials.");
    }

    public void Dispose() => _resolveGate.Dispose();

    private static AWSCredentials? FromOptions(LambdaTargetOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.AccessKeyId) && !string.IsNullOrWhiteSpace(options.SecretAccessKey))
        {
            return string.IsNullOrWhiteSpace(options.SessionToken)
                ? new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey)
                : new SessionAWSCredentials(options.AccessKeyId, options.SecretAccessKey, options.SessionToken);
        }

        return null;
    }

    private async ValueTask<AWSCredentials> ResolveAsync(CancellationToken cancellationToken)
    {
        await _resolveGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_credentials is { } resolved)
            {
                return resolved;
            }

            if (!string.IsNullOrWhiteSpace(_options.Profile))
            {
                var profiles = string.IsNullOrWhiteSpace(_options.ProfilesLocation)
                    ? new CredentialProfileStoreChain()
                    : new CredentialProfileStoreChain(_options.ProfilesLocation);
                if (!profiles.TryGetAWSCredentials(_options.Profile, out var fromProfile))
                {
                    throw new InvalidOperationException(
                        $"Lambda target '{_options.Name}': profile '{_options.Profile}' was not found in {_options.ProfilesLocation ?? "the shared AWS config or credentials file"}.");
                }

                return _credentials = fromProfile;
            }

            try
            {
                using var resolver = new DefaultAWSCredentialsIdentityResolver();
                return _credentials = await resolver.ResolveIdentityAsync(_clientConfig, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonClientException ex)
            {
                throw new InvalidOperationException(
                    $"Lambda target '{_options.Name}': no AWS credentials found. Set {nameof(LambdaTargetOptions.AccessKeyId)}/{nameof(LambdaTargetOptions.SecretAccessKey)} " +
                    $"or {nameof(LambdaTargetOptions.Profile)}, provide them through the environment, a container or instance role or web identity, " +
                    $"or set {nameof(LambdaTargetOptions.Anonymous)} for an endpoint that does not check signatures.", ex);
            }
        }
        finally
        {
            _resolveGate.Release();
        }
    }
}
