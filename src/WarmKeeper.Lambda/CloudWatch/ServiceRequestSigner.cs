using System.Net.Http.Headers;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.Util;
using WarmKeeper.Lambda.Signing;

namespace WarmKeeper.Lambda.CloudWatch;

/// <summary>
/// Signs a POST to the root of a CloudWatch endpoint (the query protocol of metrics, the JSON 1.1
/// protocol of Logs) with AWSSDK.Core's <see cref="AWS4Signer"/> and the Lambda target's
/// credentials, as <see cref="LambdaRequestSigner"/> signs the Lambda calls. Every CloudWatch client
/// signs here, so the two protocols differ only in body and headers.
/// </summary>
internal sealed class ServiceRequestSigner : IDisposable
{
    private readonly Uri _endpoint;
    private readonly string _serviceName;
    private readonly SigningClientConfig _config;
    private readonly LambdaCredentialSource? _credentials;
    private readonly TimeProvider _timeProvider;
    private readonly AWS4Signer _signer = new(signPayload: true);

    /// <param name="serviceName">The SigV4 service, e.g. <c>monitoring</c> or <c>logs</c>.</param>
    public ServiceRequestSigner(LambdaTargetOptions options, Uri endpoint, string serviceName, AWSCredentials? credentials, TimeProvider timeProvider)
    {
        _endpoint = endpoint;
        _serviceName = serviceName;
        _config = new SigningClientConfig(options.Region, endpoint);
        _credentials = options.Anonymous ? null : new LambdaCredentialSource(options, _config, credentials);
        _timeProvider = timeProvider;
    }

    public Uri Endpoint => _endpoint;

    /// <summary>A new signed request each call: a retry must carry a fresh date and signature.</summary>
    public async Task<HttpRequestMessage> CreatePostAsync(
        byte[] body, string contentType, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (_credentials is null)
        {
            foreach (var (key, value) in headers)
            {
                message.Headers.TryAddWithoutValidation(key, value);
            }

            return message;
        }

        var credentials = await _credentials.GetAsync(cancellationToken);
        using var sdk = new DefaultRequest(new SigningOnlyRequest(), "CloudWatch")
        {
            HttpMethod = "POST",
            Endpoint = _endpoint,
            ResourcePath = "/",
            UseQueryString = false,
            AuthenticationRegion = _config.AuthenticationRegion,
            OverrideSigningServiceName = _serviceName,
            Content = body,
        };
        sdk.Headers[HeaderKeys.ContentTypeHeader] = contentType;
        foreach (var (key, value) in headers)
        {
            sdk.Headers[key] = value;
        }

        if (credentials.UseToken)
        {
            sdk.Headers[HeaderKeys.XAmzSecurityTokenHeader] = credentials.Token;
        }

        var signed = _signer.SignRequest(sdk, _config, metrics: null, credentials.AccessKey, credentials.SecretKey, _timeProvider.GetUtcNow().UtcDateTime);
        sdk.Headers[HeaderKeys.AuthorizationHeader] = signed.ForAuthorizationHeader;
        foreach (var (key, value) in sdk.Headers)
        {
            // HttpClient writes Host from the URI and the content headers from the content, as signed.
            if (!string.Equals(key, HeaderKeys.HostHeader, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(key, HeaderKeys.ContentTypeHeader, StringComparison.OrdinalIgnoreCase)
                && !string.Equals(key, HeaderKeys.ContentLengthHeader, StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(key, value);
            }
        }

        return message;
    }

    public void Dispose() => _credentials?.Dispose();

    /// <summary>The SDK request shape needs an originating request object; nothing reads it for signing.</summary>
    private sealed class SigningOnlyRequest : AmazonWebServiceRequest;
}
