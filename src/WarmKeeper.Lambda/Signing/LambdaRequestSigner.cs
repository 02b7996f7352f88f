using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.Util;

namespace WarmKeeper.Lambda.Signing;

/// <summary>What one Lambda REST call sends, before it becomes a signed <see cref="HttpRequestMessage"/>.</summary>
/// <param name="PathValue">The value of the one label of <paramref name="ResourcePath"/> (<c>{FunctionName}</c>, <c>{ARN}</c>), or null when it has none.</param>
internal readonly record struct LambdaWireRequest(
    HttpMethod Method,
    string ResourcePath,
    string? PathValue,
    KeyValuePair<string, string>[]? Query,
    KeyValuePair<string, string>[]? Headers,
    ReadOnlyMemory<byte> Body);

/// <summary>
/// Builds signed requests with AWSSDK.Core's <see cref="AWS4Signer"/>. The signer works on the
/// SDK's own <see cref="IRequest"/> rather than on an <see cref="HttpRequestMessage"/>, so each call
/// is described to it as a <see cref="DefaultRequest"/> (same resource path template, path labels,
/// query and headers the SDK's marshallers would produce) and the resulting headers are copied onto
/// the message. The payload is lent to the SDK request for hashing (no copy when it is a whole
/// array) and sent from the caller's memory.
/// </summary>
internal sealed class LambdaRequestSigner : IDisposable
{
    public const string SigningServiceName = "lambda";
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly AWS4Signer _signer = new(signPayload: true);
    private readonly SigningOnlyRequest _originalRequest = new();
    private readonly SigningClientConfig _clientConfig;
    private readonly LambdaCredentialSource? _credentials;
    private readonly TimeProvider _timeProvider;
    private readonly Uri _endpoint;
    private readonly string _origin;
    private readonly string _basePath;

    public LambdaRequestSigner(LambdaTargetOptions options, AWSCredentials? explicitCredentials, TimeProvider timeProvider)
    {
        _endpoint = options.ResolveServiceUrl();
        _origin = _endpoint.GetLeftPart(UriPartial.Authority);
        _basePath = _endpoint.AbsolutePath.TrimEnd('/');
        _clientConfig = new SigningClientConfig(options.Region, _endpoint);
        _credentials = options.Anonymous ? null : new LambdaCredentialSource(options, _clientConfig, explicitCredentials);
        _timeProvider = timeProvider;
    }

    public Uri Endpoint => _endpoint;

    public async ValueTask<HttpRequestMessage> CreateAsync(LambdaWireRequest wire, CancellationToken cancellationToken)
    {
        var message = new HttpRequestMessage(wire.Method, BuildUri(wire));
        if (!wire.Body.IsEmpty)
        {
            message.Content = new ReadOnlyMemoryContent(wire.Body);
            message.Content.Headers.ContentType = JsonContentType;
        }

        if (_credentials is null)
        {
            AddHeaders(message, wire.Headers);
            return message;
        }

        var credentials = await _credentials.GetAsync(cancellationToken).ConfigureAwait(false);
        using var sdkRequest = new DefaultRequest(_originalRequest, "Lambda")
        {
            HttpMethod = wire.Method.Method,
            Endpoint = _endpoint,
            ResourcePath = wire.ResourcePath,
            UseQueryString = true,
            AuthenticationRegion = _clientConfig.AuthenticationRegion,
            OverrideSigningServiceName = SigningServiceName,
        };

        if (wire.PathValue is not null)
        {
            sdkRequest.AddPathResource(LabelOf(wire.ResourcePath), wire.PathValue);
        }

        if (wire.Query is not null)
        {
            foreach (var (key, value) in wire.Query)
            {
                sdkRequest.Parameters[key] = value;
            }
        }

        if (wire.Headers is not null)
        {
            foreach (var (key, value) in wire.Headers)
            {
                sdkRequest.Headers[key] = value;
            }
        }

        if (!wire.Body.IsEmpty)
        {
            // The signer hashes IRequest.Content itself (it drops any x-amz-content-sha256 set
            // beforehand); callers normally pass a whole array, which is handed over without a copy.
            sdkRequest.Content = MemoryMarshal.TryGetArray(wire.Body, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
                ? segment.Array
                : wire.Body.ToArray();
        }

        if (credentials.UseToken)
        {
            sdkRequest.Headers[HeaderKeys.XAmzSecurityTokenHeader] = credentials.Token;
        }

        var signingResult = _signer.SignRequest(
            sdkRequest, _clientConfig, metrics: null, credentials.AccessKey, credentials.SecretKey, _timeProvider.GetUtcNow().UtcDateTime);
        sdkRequest.Headers[HeaderKeys.AuthorizationHeader] = signingResult.ForAuthorizationHeader;

        foreach (var (key, value) in sdkRequest.Headers)
        {
            // HttpClient writes Host from the URI, which is what the signer signed.
            if (!string.Equals(key, HeaderKeys.HostHeader, StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(key, value);
            }
        }

        return message;
    }

    public void Dispose() => _credentials?.Dispose();

    private Uri BuildUri(LambdaWireRequest wire)
    {
        var path = wire.PathValue is null
            ? AWSSDKUtils.ResolveResourcePathV2(wire.ResourcePath, null)
            : AWSSDKUtils.ResolveResourcePathV2(wire.ResourcePath, new Dictionary<string, string>(1) { [LabelOf(wire.ResourcePath)] = wire.PathValue });

        var builder = new StringBuilder(_origin.Length + _basePath.Length + path.Length + 64)
            .Append(_origin)
            .Append(_basePath)
            .Append(path);

        if (wire.Query is { Length: > 0 })
        {
            var separator = '?';
            foreach (var (key, value) in wire.Query)
            {
                builder.Append(separator).Append(AWSSDKUtils.UrlEncode(key, false)).Append('=').Append(AWSSDKUtils.UrlEncode(value, false));
                separator = '&';
            }
        }

        return new Uri(builder.ToString(), UriKind.Absolute);
    }

    /// <summary>The <c>{Label}</c> of a resource path template, as the SDK's marshallers name it.</summary>
    private static string LabelOf(string resourcePath)
    {
        var start = resourcePath.IndexOf('{', StringComparison.Ordinal);
        var end = resourcePath.IndexOf('}', start + 1);
        return start < 0 || end < 0 ? throw new ArgumentException("The resource path has no label: " + resourcePath, nameof(resourcePath)) : resourcePath[start..(end + 1)];
    }

    private static void AddHeaders(HttpRequestMessage message, KeyValuePair<string, string>[]? headers)
    {
        if (headers is null)
        {
            return;
        }

        foreach (var (key, value) in headers)
        {
            message.Headers.TryAddWithoutValidation(key, value);
        }
    }

    /// <summary>The SDK request shape needs an originating request object; nothing reads it for signing.</summary>
    private sealed class SigningOnlyRequest : AmazonWebServiceRequest;
}
